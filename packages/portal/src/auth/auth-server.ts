// portal-auth's HTTP server: GET /auth/check answers Caddy's forward_auth with 2xx (serve), 302, 401 or 429.
// Its own process, not a route of the portal page's server: the portal app can be left out of PORTAL_CONFIG or
// stopped from its own page, and the gate of every other application must not go with it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { parseAuthFile, type AuthFile } from './auth-file';
import { checkRequest } from './check-request';
import { createFailureLimiter, type FailureLimiter } from './failure-limiter';
import { CHECK_PATH, type NormalizedAuthSettings } from './settings';

/** Reads the auth file again only when it changed, so a restart of caddy with new credentials takes effect at once. */
function createAuthFileReader(path: string): () => { ok: true; file: AuthFile } | { ok: false; error: string } {
  let cached: { stamp: string; file: AuthFile } | null = null;
  return () => {
    try {
      const stat = statSync(path);
      const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
      if (cached?.stamp === stamp) return { ok: true, file: cached.file };
      const parsed = parseAuthFile(readFileSync(path, 'utf8'), path);
      if (!parsed.ok) return parsed;
      cached = { stamp, file: parsed.file };
      return parsed;
    } catch (error) {
      return { ok: false, error: `${path} cannot be read (${(error as Error).message}); the caddy service writes it when it starts.` };
    }
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function createAuthServer(settings: NormalizedAuthSettings, options: { limiter?: FailureLimiter; now?: () => number } = {}): Server {
  const readAuth = createAuthFileReader(settings.file);
  const limiter = options.limiter ?? createFailureLimiter();
  const now = options.now ?? Date.now;
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== CHECK_PATH) {
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`portal-auth answers only ${CHECK_PATH} (Caddy's forward_auth).\n`);
      return;
    }
    const auth = readAuth();
    if (!auth.ok) {
      // Fail closed: without the file nobody is let in.
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' }).end(`${auth.error}\n`);
      return;
    }
    const decision = checkRequest(
      {
        method: header(req, 'x-forwarded-method') ?? 'GET',
        uri: header(req, 'x-forwarded-uri') ?? '/',
        scheme: header(req, 'x-forwarded-proto') ?? 'http',
        // Caddy sets X-Real-IP to the peer it saw; only Caddy and processes inside the instance reach this port.
        client: header(req, 'x-real-ip') ?? req.socket.remoteAddress ?? 'unknown',
        cookie: header(req, 'cookie'),
        authorization: header(req, 'authorization'),
        accept: header(req, 'accept'),
        secFetchDest: header(req, 'sec-fetch-dest'),
      },
      auth.file,
      limiter,
      now(),
    );
    res.writeHead(decision.status, decision.headers).end(decision.body);
  });
}
