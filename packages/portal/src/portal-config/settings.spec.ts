import { describe, expect, it } from 'vitest';
import { readPortalConfigSettings } from './settings';

function settingsOf(env: Record<string, string>) {
  const result = readPortalConfigSettings(env);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.settings;
}

describe('readPortalConfigSettings', () => {
  it('fills the defaults of an empty environment', () => {
    expect(settingsOf({})).toEqual({
      portalConfig: '',
      paths: {
        portalYaml: '/etc/portal.yaml',
        caddyfile: '/etc/Caddyfile',
        tlsCert: '/etc/instance.crt',
        tlsKey: '/etc/instance.key',
        authFile: '/etc/portal-auth.json',
        credentialsFile: '/etc/portal-credentials',
      },
      authGate: '127.0.0.1:11110',
      authEnabled: true,
      authExcludedPorts: [],
      username: 'vastai',
      openButtonToken: undefined,
      webPassword: undefined,
      cookieName: 'vast_auth_token',
      httpsRequested: false,
      compression: true,
    });
  });

  it('reads every variable', () => {
    const settings = settingsOf({
      PORTAL_CONFIG: 'x',
      ENABLE_AUTH: 'False',
      AUTH_EXCLUDE: ' 8080, ,8384 ',
      WEB_USERNAME: ' admin@example ',
      OPEN_BUTTON_TOKEN: ' t ',
      WEB_PASSWORD: 'p',
      VAST_CONTAINERLABEL: 'C.123',
      ENABLE_HTTPS: 'true',
      CADDY_ENABLE_COMPRESSION: 'false',
      PORTAL_YAML_PATH: '/tmp/p.yaml',
    });
    expect(settings).toMatchObject({
      portalConfig: 'x',
      authEnabled: false,
      authExcludedPorts: [8080, 8384],
      username: 'admin@example',
      openButtonToken: 't',
      webPassword: 'p',
      cookieName: 'C.123_auth_token',
      httpsRequested: true,
      compression: false,
      paths: { portalYaml: '/tmp/p.yaml' },
    });
  });

  it('keeps auth on for anything but an explicit false', () => {
    expect(settingsOf({ ENABLE_AUTH: 'no' }).authEnabled).toBe(true);
    expect(settingsOf({ ENABLE_AUTH: '0' }).authEnabled).toBe(true);
  });

  it('makes a container label safe as a cookie name and Caddyfile text', () => {
    expect(settingsOf({ VAST_CONTAINERLABEL: 'C.1 {x}*' }).cookieName).toBe('C.1__x___auth_token');
  });

  it('rejects ports out of range in AUTH_EXCLUDE', () => {
    expect(readPortalConfigSettings({ AUTH_EXCLUDE: '0,65536' })).toEqual({
      ok: false,
      errors: [
        'AUTH_EXCLUDE: "0" is not a port. List external ports separated by commas, e.g. 8080,8384.',
        'AUTH_EXCLUDE: "65536" is not a port. List external ports separated by commas, e.g. 8080,8384.',
      ],
    });
  });
});
