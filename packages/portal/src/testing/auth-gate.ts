// portal-auth (the auth gate) on a free loopback port, for specs and the local e2e that put the real Caddy in front.
import { createAuthServer } from '../auth/auth-server';
import type { FailureLimiter } from '../auth/failure-limiter';
import { closeServer, listenOnLoopback } from './free-port';
import type { TempDir } from './temp-dir';

export interface RunningAuthGate {
  port: number;
  /** What portal-config needs to write the gate's file into the temp dir and point the Caddyfile at this port. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAuthGate(dir: TempDir, options: { limiter?: FailureLimiter } = {}): Promise<RunningAuthGate> {
  const file = dir.file('portal-auth.json');
  const server = createAuthServer({ host: '127.0.0.1', port: 0, file }, options);
  const port = await listenOnLoopback(server);
  return {
    port,
    env: { PORTAL_AUTH_PATH: file, PORTAL_AUTH_PORT: String(port), PORTAL_CREDENTIALS_PATH: dir.file('portal-credentials') },
    stop: () => closeServer(server),
  };
}
