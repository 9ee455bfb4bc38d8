// A fault-injecting HTTP proxy on loopback in front of a test registry: it forwards every request as is (Host header
// included, so the registry's upload URLs point back at the proxy) until a chosen number of requests has passed, then
// drops the connection of every request after that, the way a network cut mid-push looks to the Docker engine.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultyProxy {
  /** `127.0.0.1:<port>`: push here instead of the registry. */
  host: string;
  /** `METHOD /path` of every request received, dropped ones included, in order. */
  requests: string[];
  /**
   * From now on, let `n` more requests that `counts` selects through (all requests if omitted), then drop every
   * request. `undefined` forwards everything again.
   */
  dropAfter: (n: number | undefined, counts?: (method: string, path: string) => boolean) => void;
  /** Number of requests dropped so far. */
  dropped: () => number;
  stop: () => Promise<void>;
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const [targetHost, targetPort] = target.split(':');
  const requests: string[] = [];
  let budget: number | undefined;
  let counts: (method: string, path: string) => boolean = () => true;
  let dropped = 0;

  const server: Server = createServer((req: IncomingMessage, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    requests.push(`${method} ${path}`);
    if (budget !== undefined) {
      if (budget <= 0) {
        dropped++;
        req.socket.destroy();
        return;
      }
      if (counts(method, path)) budget--;
    }
    const upstream = httpRequest({ host: targetHost, port: Number(targetPort), method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    dropAfter: (n, select) => {
      budget = n;
      counts = select ?? (() => true);
    },
    dropped: () => dropped,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
