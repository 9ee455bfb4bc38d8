// Where the docker CLI's credentials for a registry come from (pure), what a helper's answer means, and the token
// request each kind of credentials makes. Running real helpers against a real registry: e2e/release/registry-credentials.spec.ts.
import { describe, expect, it } from 'vitest';
import { basicAuthorization, bearerTokenRequest, credentialSourceOf, parseHelperOutput } from './docker-credentials';

describe('credentialSourceOf', () => {
  it("follows the docker CLI's precedence: the host's credHelpers entry, then credsStore, then auths", () => {
    const auths = { 'ghcr.io': { auth: 'dTpw' } };
    expect(credentialSourceOf('ghcr.io', {})).toEqual({ kind: 'none' });
    expect(credentialSourceOf('ghcr.io', { auths })).toEqual({ kind: 'auths', key: 'ghcr.io', auth: 'dTpw' });
    expect(credentialSourceOf('ghcr.io', { auths: { 'https://ghcr.io': { identitytoken: 't' } } })).toEqual({
      kind: 'auths',
      key: 'https://ghcr.io',
      identityToken: 't',
    });
    expect(credentialSourceOf('ghcr.io', { auths: { 'quay.io': {} } })).toEqual({ kind: 'none' });
    expect(credentialSourceOf('ghcr.io', { auths, credsStore: 'pass' })).toEqual({
      kind: 'helper',
      helper: 'pass',
      field: 'credsStore',
      serverAddress: 'ghcr.io',
    });
    expect(credentialSourceOf('ghcr.io', { auths, credsStore: 'pass', credHelpers: { 'ghcr.io': 'gh', 'quay.io': 'q' } })).toEqual({
      kind: 'helper',
      helper: 'gh',
      field: 'credHelpers',
      serverAddress: 'ghcr.io',
    });
  });

  it('asks a helper for Docker Hub under the v1 URL docker login stores, whatever name the push uses', () => {
    expect(credentialSourceOf('docker.io', { credsStore: 'desktop' })).toEqual({
      kind: 'helper',
      helper: 'desktop',
      field: 'credsStore',
      serverAddress: 'https://index.docker.io/v1/',
    });
    expect(credentialSourceOf('registry-1.docker.io', { auths: { 'https://index.docker.io/v1/': { auth: 'x' } } })).toMatchObject({
      kind: 'auths',
      key: 'https://index.docker.io/v1/',
    });
  });
});

describe('parseHelperOutput', () => {
  it('reads {Username, Secret} and nothing else', () => {
    expect(parseHelperOutput('{"ServerURL":"h","Username":"u","Secret":"s"}')).toEqual({ username: 'u', secret: 's' });
    expect(parseHelperOutput('{"Username":"<token>","Secret":"t"}')).toEqual({ username: '<token>', secret: 't' });
    expect(parseHelperOutput('credentials not found in native keychain')).toBeUndefined();
    expect(parseHelperOutput('{"Username":"u"}')).toBeUndefined();
  });
});

describe('bearerTokenRequest', () => {
  const params = { service: 'registry.docker.io', scope: 'repository:vastai/base-image:pull,push' };

  it('asks with Basic credentials, or anonymously, by GET with service and scope', () => {
    const basic = bearerTokenRequest('https://auth.docker.io/token', params, { kind: 'basic', username: 'u', secret: 'p', from: 'x' });
    expect(basic.url.toString()).toBe(
      'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Avastai%2Fbase-image%3Apull%2Cpush',
    );
    expect(basic.init).toEqual({ headers: { authorization: basicAuthorization({ username: 'u', secret: 'p' }) } });
    expect(basicAuthorization({ username: 'u', secret: 'p' })).toBe('Basic dTpw');
    expect(bearerTokenRequest('https://auth.docker.io/token', params, { kind: 'none', looked: 'x' }).init).toEqual({});
  });

  it('exchanges an identity token by the OAuth2 refresh-token POST', () => {
    const request = bearerTokenRequest('https://auth.docker.io/token', params, { kind: 'identity-token', token: 'rt', from: 'x' });
    expect(request.url.toString()).toBe('https://auth.docker.io/token');
    expect(request.init.method).toBe('POST');
    expect(Object.fromEntries(new URLSearchParams(request.init.body as string))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'vast-plugin',
      service: 'registry.docker.io',
      scope: 'repository:vastai/base-image:pull,push',
    });
  });
});
