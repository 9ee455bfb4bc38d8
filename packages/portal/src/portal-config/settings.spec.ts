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
        notReadyDir: '/opt/portal/not-ready',
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
      mappedPorts: null,
      headerUpLocalhost: [],
      flushInterval: '-1',
      cors: null,
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

  it('reads the platform port map from VAST_TCP_PORT_<n> (empty values are no mapping)', () => {
    expect(
      settingsOf({ VAST_TCP_PORT_8080: '40001', VAST_TCP_PORT_1111: '40000', VAST_TCP_PORT_22: '', VAST_TCP_PORT_X: '1' }).mappedPorts,
    ).toEqual([1111, 8080]);
    expect(settingsOf({ VAST_TCP_PORT_22: ' ' }).mappedPorts).toBeNull();
  });

  it('reads CADDY_HEADER_UP_LOCALHOST (true in any case, or internal ports), CADDY_FLUSH_INTERVAL and the CORS variables', () => {
    expect(settingsOf({ CADDY_HEADER_UP_LOCALHOST: 'TRUE' }).headerUpLocalhost).toBe('all');
    expect(settingsOf({ CADDY_HEADER_UP_LOCALHOST: '18080, 17860' }).headerUpLocalhost).toEqual([18080, 17860]);
    expect(settingsOf({ CADDY_FLUSH_INTERVAL: '100ms' }).flushInterval).toBe('100ms');
    expect(settingsOf({ CADDY_CORS_ALLOWED_ORIGINS: 'https://a.example' }).cors).toEqual({
      origins: 'https://a.example',
      methods: 'GET, POST, PUT, DELETE, OPTIONS',
      headers: 'Authorization, Content-Type',
    });
  });

  it('refuses values Caddy would not take or that would break out of the Caddyfile, naming the variable', () => {
    const result = readPortalConfigSettings({
      CADDY_HEADER_UP_LOCALHOST: 'yes',
      CADDY_FLUSH_INTERVAL: '5 seconds',
      CADDY_CORS_ALLOWED_ORIGINS: 'https://a.example" }',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'CADDY_HEADER_UP_LOCALHOST: "yes" is not a port. Use true, or internal ports separated by commas, e.g. 18080,17860.',
      'CADDY_FLUSH_INTERVAL: "5 seconds" is not a duration Caddy\'s flush_interval takes. Use -1 (flush at once), 0, or a duration such as 100ms or 1s.',
      'CADDY_CORS_ALLOWED_ORIGINS: "https://a.example\\" }" has characters a header value cannot carry here. Use letters, digits, spaces and , . : / * _ -.',
    ]);
  });
});
