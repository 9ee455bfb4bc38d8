// CaddyfileOptions for specs: the defaults portal-config reads from an empty environment, overridable field by field.
import type { CaddyfileOptions } from '../portal-config/caddyfile';

export function caddyfileOptions(
  over: Partial<Omit<CaddyfileOptions, 'auth'>> & { auth?: Partial<CaddyfileOptions['auth']> } = {},
): CaddyfileOptions {
  return {
    tls: null,
    compression: true,
    mappedPorts: null,
    headerUpLocalhost: [],
    flushInterval: '-1',
    cors: null,
    notReadyDir: '/opt/portal/not-ready',
    ...over,
    auth: { enabled: true, excludedPorts: [], cookieName: 'C.42_auth_token', gate: '127.0.0.1:11110', ...over.auth },
  };
}
