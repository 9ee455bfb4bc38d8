// A fresh runner's registry lookups for a whole batch go out concurrently, at most REGISTRY_LOOKUPS at a time, each
// reference once, over HTTP (no docker process per lookup): a stand-in registry on loopback answers the registry API's
// manifest requests slowly and counts how many are in flight. The same lookups against Debian's docker-registry are in
// e2e/release/cache-lookups.spec.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedBuild } from '@vast/conventions';
import { prefetchFacts, REGISTRY_LOOKUPS } from './batch';

let server: Server;
let host: string;
let inFlight = 0;
let peak = 0;
const asked = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    if (!manifest) {
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const ref = `${manifest[1]}:${manifest[2]}`;
    asked.set(ref, (asked.get(ref) ?? 0) + 1);
    inFlight++;
    peak = Math.max(peak, inFlight);
    // Slow enough that lookups overlap whenever the caller lets them.
    setTimeout(() => {
      inFlight--;
      const body = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: ref }] });
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(req.method === 'HEAD' ? undefined : body);
    }, 150);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const planned = (i: number) =>
  ({
    image: `gen-${i}`,
    variant: 'local',
    buildTag: `vast-fs-spec/gen-${i}:build-${String(i).padStart(12, '0')}`,
    versionTag: `vast-fs-spec/gen-${i}:1.0.0-local`,
  }) as PlannedBuild;

describe('docker-build batch: registry lookups on a fresh runner', () => {
  it(`asks the cache registry about every variant once, at most ${REGISTRY_LOOKUPS} at a time`, async () => {
    const tasks = Array.from({ length: 16 }, (_, i) => ({
      plan: [planned(i)],
      planOptions: { cacheRegistry: host, force: false, pull: false },
    }));
    const facts = await prefetchFacts(tasks);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(REGISTRY_LOOKUPS);
    expect([...asked.keys()].sort()).toEqual(tasks.map((t) => t.plan[0].buildTag).sort());
    // Each reference went out in exactly one request.
    expect(new Set(asked.values())).toEqual(new Set([1]));
    // Answered from what was fetched: no further request.
    const before = [...asked.values()].reduce((a, b) => a + b, 0);
    expect(await facts(tasks[3].plan[0], tasks[3].planOptions)).toEqual({ engine: {}, cached: undefined });
    expect([...asked.values()].reduce((a, b) => a + b, 0)).toBe(before);
  }, 60_000);
});
