// npm run track-releases in a scratch copy of the workspace, against a stand-in of GitHub's releases API and Docker
// Hub's tags API on loopback that answers in the documented shapes (GitHub: a JSON array per page, Link rel="next",
// drafts, pre-releases, and the 403 + X-RateLimit-Remaining: 0 + Retry-After rate-limit answer; Docker Hub:
// { count, next, results: [{ name, last_updated, tag_last_pushed }] }). No request leaves the machine.
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
/** GitHub releases of ollama/ollama, one page. */
let ollamaReleases: unknown[] = [];
/** Docker Hub tags of vllm/vllm-openai, page by page. */
let vllmTags: { name: string; last_updated: string; tag_last_pushed: string }[][] = [];
const tag = (name: string, pushedAgo: number) => ({ name, last_updated: ago(pushedAgo), tag_last_pushed: ago(pushedAgo) });
const requests: string[] = [];
let server: Server;
let api: string;
let ws: ScratchWorkspace;

function answer(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  requests.push(req.url ?? '');
  const url = new URL(req.url ?? '/', api);
  if (url.pathname === '/repos/ollama/ollama/releases') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ollamaReleases));
    return;
  }
  if (url.pathname === '/v2/repositories/vllm/vllm-openai/tags') {
    const page = Number(url.searchParams.get('page') ?? '1');
    const next =
      page < vllmTags.length ? `${api}/v2/repositories/vllm/vllm-openai/tags?page_size=100&ordering=last_updated&page=${page + 1}` : null;
    const body = { count: vllmTags.flat().length, next, previous: null, results: vllmTags[page - 1] ?? [] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return;
  }
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
  return trackImage('comfyui', ...args);
}

async function trackImage(image: string, ...args: string[]) {
  const result = await run(join(ws.root, 'node_modules/.bin/tsx'), ['scripts/track-releases.ts', '--image', image, ...args], {
    cwd: ws.root,
    env: { ...process.env, VAST_GITHUB_API: api, VAST_DOCKERHUB_API: api, GITHUB_TOKEN: '' },
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

describe('npm run track-releases for images that name their upstream per variant (vllm, ollama)', () => {
  const diffLines = (file: string) =>
    ws
      .git('diff', '-U0', file)
      .split('\n')
      .filter((l) => /^[-+](?![-+]{2})/.test(l));

  it("follows Docker Hub's tag pages for vllm: the newest vX.Y.Z moves every variant; variant and other tags are ignored", async () => {
    vllmTags = [
      [tag('v0.14.0-cu130', 20 * HOUR), tag('nightly', 1 * HOUR), tag('v0.15.0rc1', 15 * HOUR), tag('latest', 20 * HOUR)],
      [tag('v0.14.0', 20 * HOUR), tag('v0.13.0-cu130', 400 * HOUR), tag('v0.13.0', 400 * HOUR)],
    ];
    requests.length = 0;
    const result = await trackImage('vllm', '--pr-file', join(ws.root, 'pr.json'));
    expect(result.code, result.output).toBe(0);
    expect(requests).toEqual([
      '/v2/repositories/vllm/vllm-openai/tags?page_size=100&ordering=last_updated',
      '/v2/repositories/vllm/vllm-openai/tags?page_size=100&ordering=last_updated&page=2',
    ]);
    expect(changed()).toEqual([' M packages/images/vllm/image.ts', '?? .changeset/track-vllm-0-14-0.md', '?? pr.json']);
    expect(diffLines('packages/images/vllm/image.ts')).toEqual(["-const VLLM_VERSION = '0.13.0';", "+const VLLM_VERSION = '0.14.0';"]);
    expect(ws.read('.changeset/track-vllm-0-14-0.md')).toMatch(
      /^---\n'@vast\/vllm': patch\n---\n\nvllm\/vllm-openai tag 0\.13\.0 -> 0\.14\.0: Docker Hub tags of vllm\/vllm-openai published 0\.14\.0 on \d{4}-\d{2}-\d{2}\.\n$/,
    );
    expect(JSON.parse(ws.read('pr.json')).title).toBe('vllm: vllm/vllm-openai tag 0.14.0');
    expect(result.output).toContain('vllm vllm/vllm-openai tag: 0.13.0 -> 0.14.0: wrote packages/images/vllm/image.ts');
    // The moved definition is valid and every variant's upstream tag followed (v0.14.0 and v0.14.0-cu130): a second
    // run reads 0.14.0 from all of them and finds nothing newer.
    const again = await trackImage('vllm', '--dry-run');
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(
      'vllm vllm/vllm-openai tag: unchanged: vllm/vllm-openai tag 0.14.0 is current (newest release: v0.14.0)',
    );
    ws.git('checkout', '-q', '--', '.');
    ws.git('clean', '-qfd', '--', '.changeset', 'pr.json');
  });

  it("follows ollama's GitHub releases, without their v, ignoring a pre-release", async () => {
    ollamaReleases = [
      release('v0.19.0-rc0', 30 * HOUR, { prerelease: true }),
      release('v0.18.0', 13 * HOUR),
      release('v0.17.1', 300 * HOUR),
    ];
    const result = await trackImage('ollama');
    expect(result.code, result.output).toBe(0);
    expect(changed()).toEqual([' M packages/images/ollama/image.ts', '?? .changeset/track-ollama-0-18-0.md']);
    expect(diffLines('packages/images/ollama/image.ts')).toEqual([
      "-const OLLAMA_VERSION = '0.17.1';",
      "+const OLLAMA_VERSION = '0.18.0';",
    ]);
    ws.git('checkout', '-q', '--', '.');
    ws.git('clean', '-qfd', '--', '.changeset');

    ollamaReleases = [release('v0.19.0-rc0', 30 * HOUR, { prerelease: true }), release('v0.17.1', 300 * HOUR)];
    const unchanged = await trackImage('ollama');
    expect(unchanged.output).toContain(
      'ollama ollama/ollama tag: unchanged: ollama/ollama tag 0.17.1 is current (newest release: v0.17.1)',
    );
    expect(changed()).toEqual([]);
  });
});
