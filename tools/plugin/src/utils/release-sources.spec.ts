// The source clients against a stand-in on loopback that answers in Docker Hub's, PyPI's and GitHub's documented shapes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchReleases, SourceError, type SourceEndpoints } from './release-sources';

let server: Server;
let base: string;
const seen: string[] = [];
let routes: Record<string, { status?: number; headers?: Record<string, string>; body: unknown }> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (!route) return void res.writeHead(404).end('{}');
    res.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers }).end(JSON.stringify(route.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  seen.length = 0;
  routes = {};
});

const endpoints = (): SourceEndpoints => ({ github: base, dockerhub: base, pypi: base, maxWaitMs: 5_000 });

describe('Docker Hub tags', () => {
  it('follows next on the same origin only, and reads tag_last_pushed', async () => {
    routes['/v2/repositories/vllm/vllm-openai/tags?page_size=100&ordering=last_updated'] = {
      body: {
        count: 3,
        next: `${base}/v2/repositories/vllm/vllm-openai/tags?page=2&page_size=100&ordering=last_updated`,
        results: [{ name: 'v0.13.0-cu130', last_updated: '2026-11-29T00:00:00Z', tag_last_pushed: '2026-11-28T00:00:00Z' }],
      },
    };
    routes['/v2/repositories/vllm/vllm-openai/tags?page=2&page_size=100&ordering=last_updated'] = {
      body: { count: 3, next: 'https://elsewhere.example/v2/page3', results: [{ name: 'v0.13.0', last_updated: '2026-11-27T00:00:00Z' }] },
    };
    expect(
      await fetchReleases({ kind: 'dockerhub-tags', repository: 'vllm/vllm-openai', tagPattern: '^v\\d+\\.\\d+\\.\\d+$' }, endpoints()),
    ).toEqual([
      { version: 'v0.13.0-cu130', publishedAt: '2026-11-28T00:00:00Z', prerelease: false },
      { version: 'v0.13.0', publishedAt: '2026-11-27T00:00:00Z', prerelease: false },
    ]);
    expect(seen).toHaveLength(2);
  });
});

describe('PyPI', () => {
  it('takes each version with a live file, its first upload time, pre-releases marked', async () => {
    routes['/pypi/unsloth/json'] = {
      body: {
        info: { version: '2025.11.2' },
        releases: {
          '2025.11.2': [{ upload_time_iso_8601: '2026-11-20T10:00:00.000Z', yanked: false }],
          '2025.12.0rc1': [{ upload_time_iso_8601: '2026-11-25T10:00:00.000Z', yanked: false }],
          '2025.11.1': [{ upload_time_iso_8601: '2026-11-10T10:00:00.000Z', yanked: true }],
          '2025.10.0': [],
        },
      },
    };
    expect(await fetchReleases({ kind: 'pypi', package: 'unsloth' }, endpoints())).toEqual([
      { version: '2025.11.2', publishedAt: '2026-11-20T10:00:00.000Z', prerelease: false },
      { version: '2025.12.0rc1', publishedAt: '2026-11-25T10:00:00.000Z', prerelease: true },
    ]);
  });
});

describe('GitHub releases', () => {
  it('waits out a 429 with Retry-After, then reads the page; drafts dropped', async () => {
    let calls = 0;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      seen.push(req.url ?? '');
      if (++calls === 1) return void res.writeHead(429, { 'retry-after': '0' }).end('{}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify([
          { tag_name: 'v2', draft: true, prerelease: false, published_at: null },
          { tag_name: 'v1', draft: false, prerelease: true, published_at: '2026-11-01T00:00:00Z' },
        ]),
      );
    });
    expect(await fetchReleases({ kind: 'github-releases', repository: 'o/r' }, endpoints())).toEqual([
      { version: 'v1', publishedAt: '2026-11-01T00:00:00Z', prerelease: true },
    ]);
    expect(seen).toEqual(['/repos/o/r/releases?per_page=100', '/repos/o/r/releases?per_page=100']);
  });

  it('gives up on a rate limit that asks for longer than it may wait, naming the source', async () => {
    server.removeAllListeners('request');
    server.on(
      'request',
      (_req, res) =>
        void res
          .writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) })
          .end('{}'),
    );
    const failure = fetchReleases({ kind: 'github-releases', repository: 'o/r' }, endpoints());
    await expect(failure).rejects.toThrow(SourceError);
    await expect(failure).rejects.toThrow('GitHub releases of o/r: rate limited (HTTP 403) after 1 attempt; nothing was changed.');
  });
});
