// npm run track-releases in a scratch copy of the workspace, against a stand-in of GitHub's releases API on loopback
// that answers in the documented shape (a JSON array per page, Link rel="next", drafts, pre-releases, and the
// 403 + X-RateLimit-Remaining: 0 + Retry-After rate-limit answer). No request leaves the machine.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@vast/plugin/testing';
import { ScratchWorkspace } from '../support/scratch-workspace';

const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const release = (tag: string, publishedAgo: number, extra: Record<string, unknown> = {}) => ({
  tag_name: tag,
  name: tag,
  draft: false,
  prerelease: false,
  published_at: ago(publishedAgo),
  updated_at: ago(publishedAgo),
  ...extra,
});

/** What the stand-in serves for /repos/Comfy-Org/ComfyUI/releases, page by page; 'rate-limited' answers 403 always. */
let pages: unknown[][] | 'rate-limited';
const requests: string[] = [];
let server: Server;
let api: string;
let ws: ScratchWorkspace;

function answer(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  requests.push(req.url ?? '');
  const url = new URL(req.url ?? '/', api);
  if (url.pathname !== '/repos/Comfy-Org/ComfyUI/releases') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    return;
  }
  if (pages === 'rate-limited') {
    res
      .writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'retry-after': '1' })
      .end('{"message":"API rate limit exceeded"}');
    return;
  }
  const page = Number(url.searchParams.get('page') ?? '1');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (page < pages.length) headers.link = `<${api}/repos/Comfy-Org/ComfyUI/releases?per_page=100&page=${page + 1}>; rel="next"`;
  res.writeHead(200, headers).end(JSON.stringify(pages[page - 1] ?? []));
}

async function track(...args: string[]) {
  const result = await run(join(ws.root, 'node_modules/.bin/tsx'), ['scripts/track-releases.ts', '--image', 'comfyui', ...args], {
    cwd: ws.root,
    env: { ...process.env, VAST_GITHUB_API: api, GITHUB_TOKEN: '' },
    reject: false,
    timeoutMs: 120_000,
  });
  return { code: result.exitCode, output: `${result.stdout}${result.stderr}` };
}

const changed = () => ws.git('status', '--porcelain').split('\n').filter(Boolean).sort();

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ws = ScratchWorkspace.create('vast-e2e-tracking-');
});

afterAll(() => {
  server?.close();
  ws?.dispose();
});

describe('npm run track-releases against a GitHub stand-in', () => {
  it('moves COMFYUI_REF to a newer release found on the second page: one changed arg, one patch changeset', async () => {
    pages = [
      [release('v0.5.0', 20 * HOUR, { draft: true }), release('v0.4.0', 20 * HOUR, { prerelease: true })],
      [release('v0.3.76', 13 * HOUR), release('v0.3.75', 300 * HOUR)],
    ];
    requests.length = 0;
    const result = await track('--pr-file', join(ws.root, 'pr.json'));
    expect(result.code, result.output).toBe(0);
    expect(requests).toEqual(['/repos/Comfy-Org/ComfyUI/releases?per_page=100', '/repos/Comfy-Org/ComfyUI/releases?per_page=100&page=2']);
    expect(changed()).toEqual([' M packages/images/comfyui/image.ts', '?? .changeset/track-comfyui-v0-3-76.md', '?? pr.json']);
    const diff = ws.git('diff', '-U0', 'packages/images/comfyui/image.ts');
    expect(diff.split('\n').filter((l) => /^[-+] /.test(l))).toEqual([
      "-  args: { COMFYUI_REF: 'v0.3.75' },",
      "+  args: { COMFYUI_REF: 'v0.3.76' },",
    ]);
    expect(ws.read('.changeset/track-comfyui-v0-3-76.md')).toMatch(
      /^---\n'@vast\/comfyui': patch\n---\n\nCOMFYUI_REF v0\.3\.75 -> v0\.3\.76: GitHub releases of Comfy-Org\/ComfyUI published v0\.3\.76 on \d{4}-\d{2}-\d{2}\.\n$/,
    );
    const pr = JSON.parse(ws.read('pr.json')) as { title: string; body: string };
    expect(pr.title).toBe('comfyui: COMFYUI_REF v0.3.76');
    expect(pr.body).toContain('- `packages/images/comfyui/image.ts`: `COMFYUI_REF` v0.3.75 -> v0.3.76');
    expect(result.output).toContain(
      'comfyui COMFYUI_REF: v0.3.75 -> v0.3.76: wrote packages/images/comfyui/image.ts and .changeset/track-comfyui-v0-3-76.md',
    );
    // The workspace still builds with the moved arg: the changed definition is valid.
    const build = ws.nx('run', 'comfyui:build');
    expect(build.code, build.output).toBe(0);
    ws.git('checkout', '-q', '--', '.');
    ws.git('clean', '-qfd', '--', '.changeset', 'pr.json');
  });

  it('changes nothing for a pre-release, or for a release younger than the 12-hour threshold', async () => {
    pages = [[release('v0.4.0', 30 * HOUR, { prerelease: true }), release('v0.3.76', 2 * HOUR), release('v0.3.75', 300 * HOUR)]];
    const result = await track();
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/comfyui COMFYUI_REF: unchanged: v0\.3\.76 was published 2h ago, younger than the 43200 s threshold/);
    expect(changed()).toEqual([]);

    pages = [[release('v0.4.0', 30 * HOUR, { prerelease: true }), release('v0.3.75', 300 * HOUR)]];
    const prerelease = await track();
    expect(prerelease.code, prerelease.output).toBe(0);
    expect(prerelease.output).toContain('comfyui COMFYUI_REF: unchanged: COMFYUI_REF v0.3.75 is current (newest release: v0.3.75)');
    expect(changed()).toEqual([]);
  });

  it('retries a rate-limit answer, then reports it and changes nothing', async () => {
    pages = 'rate-limited';
    requests.length = 0;
    const result = await track();
    expect(result.code).toBe(1);
    expect(requests).toHaveLength(3);
    expect(result.output).toContain(
      'comfyui COMFYUI_REF: GitHub releases of Comfy-Org/ComfyUI: rate limited (HTTP 403) after 3 attempts; nothing was changed. Run again later, or set GITHUB_TOKEN for a higher limit.',
    );
    expect(changed()).toEqual([]);
  });
});
