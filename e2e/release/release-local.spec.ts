// The whole release command in the local profile, in a scratch copy of the workspace: a base-image minor
// changeset -> changeset version + lockfile -> nx docker-build (the real local base image) -> nx docker-push
// to a registry on loopback. Then a second push through Nx, which must change nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type RunResult, dockerCommand } from '@vast/plugin/testing';
import { registryForTests } from '../support/registry-for-tests';
import { NX_ENV, ScratchWorkspace } from '../support/scratch-workspace';

const REPOSITORY = 'vastai/base-image';
const EXPECTED_TAGS = ['1-local', '1.1-local', '1.1.0-local', 'latest-local'];

async function imageTags(): Promise<Set<string>> {
  const out = (await run(dockerCommand(), ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', REPOSITORY])).stdout;
  return new Set(out.split('\n').filter((l) => l && !l.endsWith(':<none>')));
}

describe('npm run release -- -c local: base-image minor, built and pushed for real', () => {
  const registry = registryForTests('release-local-');
  let ws: ScratchWorkspace;
  let tagsBefore: Set<string>;
  let release: RunResult;

  const inWorkspace = (command: string, args: string[]) =>
    run(join(ws.root, 'node_modules/.bin', command), args, { cwd: ws.root, env: { ...process.env, ...NX_ENV }, reject: false, timeoutMs: 25 * 60_000 });

  beforeAll(async () => {
    ws = ScratchWorkspace.create('release-local-ws-');
    writeFileSync(join(ws.root, '.changeset/base-image-minor.md'), '---\n"@vast/base-image": minor\n---\n\nServe the portal over HTTP/2.\n');
    ws.git('add', '--all');
    ws.git('commit', '--quiet', '-m', 'changeset');
    // The engine is shared: afterwards, remove the build and version tags this run created, and only those.
    tagsBefore = await imageTags();
    release = await inWorkspace('tsx', ['scripts/release.ts', '-c', 'local', '--registry', registry().host]);
  }, 30 * 60_000);

  afterAll(async () => {
    if (tagsBefore) {
      for (const tag of await imageTags()) if (!tagsBefore.has(tag)) await run(dockerCommand(), ['image', 'rm', tag], { reject: false });
    }
    ws?.dispose();
  });

  it('succeeds', () => {
    expect(release.exitCode, `${release.stdout}\n${release.stderr}`).toBe(0);
  });

  it('versions every image, builds and pushes the one with a local variant, and says why the others are not', () => {
    expect(release.stdout).toContain(
      [
        'release: images to release',
        '  base-image       1.0.0 -> 1.1.0',
        '  ollama           1.0.0 -> 1.0.1',
        '  pytorch          1.0.0 -> 1.0.1',
        '  vllm             1.0.0 -> 1.0.1',
        '  comfyui          1.0.0 -> 1.0.1',
        '  ollama           not built or pushed: no local variant in packages/images/ollama/image.ts',
        '  pytorch          not built or pushed: no local variant in packages/images/pytorch/image.ts',
        '  vllm             not built or pushed: no local variant in packages/images/vllm/image.ts',
        '  comfyui          not built or pushed: no local variant in packages/images/comfyui/image.ts',
      ].join('\n'),
    );
    expect(release.stdout).toContain('$ node_modules/.bin/nx run-many -t docker-build -p base-image -c local');
    expect(release.stdout).toContain('$ node_modules/.bin/nx run-many -t docker-push -p base-image -c local --parallel=1 --nxBail');
    expect(release.stdout).toContain('release: pushed base-image@1.1.0');
  });

  it('puts exactly the release tags of the local base image in the registry, and nothing else', async () => {
    expect(await registry().catalog()).toEqual([REPOSITORY]);
    expect(await registry().tags(REPOSITORY)).toEqual(EXPECTED_TAGS);
  });

  it('pushed the image docker-build built', async () => {
    const built = JSON.parse(readFileSync(join(ws.root, 'dist/builds/base-image/build-result.json'), 'utf8'));
    expect(built).toMatchObject({ name: 'base-image', repository: REPOSITORY, version: '1.1.0', profile: 'local' });
    expect((await registry().manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(built.variants[0].imageId);
    const digests = await Promise.all(EXPECTED_TAGS.map((t) => registry().digest(REPOSITORY, t)));
    expect(new Set(digests).size).toBe(1);
  });

  it('a second push through Nx changes nothing and says so', async () => {
    const before = registry().snapshot();
    const again = await inWorkspace('nx', ['run', 'base-image:docker-push', '-c', 'local', `--registry=${registry().host}`]);
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    for (const tag of ['1.1.0-local', '1.1-local', '1-local', 'latest-local']) {
      expect(again.stdout).toMatch(new RegExp(`  unchanged  ${registry().host}/${REPOSITORY}:${tag.replace(/\./g, '\\.')}  sha256:[0-9a-f]{64}`));
    }
    expect(again.stdout).toContain('docker-push base-image: 0 pushed, 4 unchanged.');
    expect(await registry().tags(REPOSITORY)).toEqual(EXPECTED_TAGS);
    expect(registry().snapshot()).toEqual(before);
  }, 10 * 60_000);
});
