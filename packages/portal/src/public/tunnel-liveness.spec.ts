// The liveness check against loopback stand-ins for a tunnel: one that answers /portal-resolver as every Caddy site
// does (200, empty, any origin), one that answers something else, one that never answers, and one that is down.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTunnelLive, waitForTunnel } from './tunnel-liveness.js';

function standIn(answer: (req: IncomingMessage) => number | null): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const status = answer(req);
    if (status === null) return; // hangs
    res.writeHead(status, { 'access-control-allow-origin': '*' }).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server })),
  );
}

describe('tunnel liveness through /portal-resolver', () => {
  const servers: Server[] = [];
  let caddy: Awaited<ReturnType<typeof standIn>>;
  let other: Awaited<ReturnType<typeof standIn>>;
  let silent: Awaited<ReturnType<typeof standIn>>;

  beforeAll(async () => {
    caddy = await standIn((req) => (req.url?.startsWith('/portal-resolver?') ? 200 : 401));
    other = await standIn(() => 404);
    silent = await standIn(() => null);
    servers.push(caddy.server, other.server, silent.server);
  });
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is live when the tunnel answers /portal-resolver?t=<ms> with 200', async () => {
    const before = Date.now();
    expect(await isTunnelLive(`${caddy.url}/some/path`)).toBe(true);
    const [asked] = caddy.requests;
    expect(asked).toMatch(/^\/portal-resolver\?t=\d+$/);
    expect(Number(asked.split('=')[1])).toBeGreaterThanOrEqual(before);
  });

  it('is not live when something else answers, polling within the budget', async () => {
    expect(await isTunnelLive(other.url, { budgetMs: 400, pollMs: 100 })).toBe(false);
    expect(other.requests.length).toBeGreaterThan(1);
    expect(new Set(other.requests).size).toBe(other.requests.length); // a fresh ?t= each time
  });

  it('gives up at the budget when the tunnel never answers, or is down', async () => {
    expect(await isTunnelLive(silent.url, { budgetMs: 300 })).toBe(false);
    expect(silent.requests).toHaveLength(1);
    const down = createServer();
    const port = await new Promise<number>((resolve) => down.listen(0, '127.0.0.1', () => resolve((down.address() as AddressInfo).port)));
    down.close();
    expect(await isTunnelLive(`http://127.0.0.1:${port}`, { budgetMs: 300, pollMs: 50 })).toBe(false);
    expect(await isTunnelLive('not a url')).toBe(false);
  });

  it('tries a new tunnel until it answers', async () => {
    let calls = 0;
    const check = async () => ++calls === 3;
    expect(await waitForTunnel('https://new.trycloudflare.com', { tries: 10, intervalMs: 1, check })).toBe(true);
    expect(calls).toBe(3);
    expect(await waitForTunnel('https://new.trycloudflare.com', { tries: 2, intervalMs: 1, check: async () => false })).toBe(false);
  });
});
