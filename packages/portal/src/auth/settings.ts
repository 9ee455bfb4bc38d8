// Where the auth gate listens and where its file lives; portal-config (which writes the file and points Caddy at the
// gate) and portal-auth (which serves it) read them from here, so the two cannot drift. Pure: env comes in.

export interface NormalizedAuthSettings {
  /** Loopback only: the gate is reached through Caddy's forward_auth, never from outside. */
  host: string;
  port: number;
  /** The 0600 file portal-config writes and the gate reads. */
  file: string;
}

export const AUTH_PORT = 11110;

/** The path forward_auth asks. */
export const CHECK_PATH = '/auth/check';

/** Response header that carries a new session cookie through forward_auth to Caddy, which sets it on the response. */
export const SESSION_HEADER = 'X-Portal-Session';

export function readAuthSettings(env: Readonly<Record<string, string | undefined>>): NormalizedAuthSettings {
  const port = Number(env.PORTAL_AUTH_PORT?.trim() || AUTH_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `PORTAL_AUTH_PORT: ${JSON.stringify(env.PORTAL_AUTH_PORT)} is not a port. Use a whole number between 1 and 65535, or unset it for ${AUTH_PORT}.`,
    );
  }
  return { host: '127.0.0.1', port, file: env.PORTAL_AUTH_PATH?.trim() || '/etc/portal-auth.json' };
}
