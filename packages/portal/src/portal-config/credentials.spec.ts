import { describe, expect, it } from 'vitest';
import { renderCredentialsBanner, renderCredentialsFile, resolveCredentials, type CredentialsResult } from './credentials';

const never = () => {
  throw new Error('must not generate');
};
const OBT = 'obt-0123456789abcdef';
const PW = 'password-0123456789';

function ok(result: CredentialsResult) {
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.credentials;
}

describe('resolveCredentials', () => {
  it('uses OPEN_BUTTON_TOKEN as token and WEB_PASSWORD as password when both are set', () => {
    expect(ok(resolveCredentials({ username: 'u', openButtonToken: OBT, webPassword: PW }, never))).toEqual({
      username: 'u',
      token: OBT,
      password: PW,
      generated: false,
      warnings: [],
    });
  });

  it('lets each default to the other', () => {
    expect(ok(resolveCredentials({ username: 'u', openButtonToken: OBT, webPassword: undefined }, never))).toMatchObject({
      token: OBT,
      password: OBT,
    });
    expect(ok(resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: PW }, never))).toMatchObject({
      token: PW,
      password: PW,
    });
  });

  it('generates one secret for both when neither is set', () => {
    const secret = 'f00d'.repeat(8);
    expect(ok(resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: undefined }, () => secret))).toEqual({
      username: 'u',
      token: secret,
      password: secret,
      generated: true,
      warnings: [],
    });
  });

  it('refuses a token or password shorter than 16 characters, saying how to fix it', () => {
    const result = resolveCredentials({ username: 'u', openButtonToken: 'short', webPassword: '0123456789abcde' }, never);
    expect(result).toEqual({
      ok: false,
      errors: [
        'OPEN_BUTTON_TOKEN: 5 characters, and a login secret needs at least 16. Set a longer one (e.g. openssl rand -hex 16), or unset both OPEN_BUTTON_TOKEN and WEB_PASSWORD to have one generated.',
        'WEB_PASSWORD: 15 characters, and a login secret needs at least 16. Set a longer one (e.g. openssl rand -hex 16), or unset both OPEN_BUTTON_TOKEN and WEB_PASSWORD to have one generated.',
      ],
    });
    expect(resolveCredentials({ username: 'u', openButtonToken: '0123456789abcdef', webPassword: undefined }, never).ok).toBe(true);
  });

  it('turns token logins off for a token that cannot travel in a URL unchanged, keeping the password', () => {
    const result = ok(resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: 'my "pass" {x} is long' }, never));
    expect(result.token).toBeNull();
    expect(result.password).toBe('my "pass" {x} is long');
    expect(result.warnings).toEqual([
      "WEB_PASSWORD: the token has characters other than letters, digits, '.', '_', '~' and '-', so ?token= and Bearer " +
        'logins are off and only the username/password prompt works. Set OPEN_BUTTON_TOKEN to such a token to turn them on.',
    ]);
  });
});

describe('the generated credentials', () => {
  const generated = ok(
    resolveCredentials({ username: 'vastai', openButtonToken: undefined, webPassword: undefined }, () => 'f00d'.repeat(8)),
  );

  it('are announced by where to read them, never by their value', () => {
    const banner = renderCredentialsBanner('/etc/portal-credentials');
    expect(banner).toBe(
      'portal-config: neither OPEN_BUTTON_TOKEN nor WEB_PASSWORD is set; generated web credentials for this start.\n' +
        'portal-config:   read them as root inside the instance: cat /etc/portal-credentials\n',
    );
    expect(banner).not.toContain('f00d');
  });

  it('are written to the credentials file', () => {
    expect(renderCredentialsFile(generated)).toContain(`username=vastai\npassword=${'f00d'.repeat(8)}\ntoken=${'f00d'.repeat(8)}\n`);
  });
});
