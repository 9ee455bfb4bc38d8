import { describe, expect, it } from 'vitest';
import { renderCredentialsBanner, resolveCredentials } from './credentials';

const never = () => {
  throw new Error('must not generate');
};

describe('resolveCredentials', () => {
  it('uses OPEN_BUTTON_TOKEN as token and WEB_PASSWORD as password when both are set', () => {
    expect(resolveCredentials({ username: 'u', openButtonToken: 'abc', webPassword: 'pw' }, never)).toEqual({
      username: 'u', token: 'abc', password: 'pw', generated: false, warnings: [],
    });
  });

  it('lets each default to the other', () => {
    expect(resolveCredentials({ username: 'u', openButtonToken: 'abc', webPassword: undefined }, never)).toMatchObject({ token: 'abc', password: 'abc' });
    expect(resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: 'pw' }, never)).toMatchObject({ token: 'pw', password: 'pw' });
  });

  it('generates one secret for both when neither is set', () => {
    expect(resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: undefined }, () => 'f00d')).toEqual({
      username: 'u', token: 'f00d', password: 'f00d', generated: true, warnings: [],
    });
  });

  it('turns token logins off for a token Caddy could not match safely, keeping the password', () => {
    const result = resolveCredentials({ username: 'u', openButtonToken: undefined, webPassword: 'my "pass" {x}' }, never);
    expect(result.token).toBeNull();
    expect(result.password).toBe('my "pass" {x}');
    expect(result.warnings).toEqual([
      "WEB_PASSWORD: the token has characters other than letters, digits, '.', '_', '~' and '-', so ?token=, the auth cookie " +
        'and Bearer logins are off and only the username/password prompt works. Set OPEN_BUTTON_TOKEN to such a token to turn them on.',
    ]);
  });

  it('prints the generated credentials', () => {
    const banner = renderCredentialsBanner(resolveCredentials({ username: 'vastai', openButtonToken: undefined, webPassword: undefined }, () => 'f00d'));
    expect(banner).toBe(
      'portal-config: neither OPEN_BUTTON_TOKEN nor WEB_PASSWORD is set; generated web credentials for this start:\n' +
        'portal-config:   username vastai, password f00d\n' +
        'portal-config:   or open a link with ?token=f00d, or send "Authorization: Bearer f00d"\n',
    );
  });
});
