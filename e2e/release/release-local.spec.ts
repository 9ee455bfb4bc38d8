// The whole release command in the local profile, in a scratch copy of the workspace: a base-image minor
// changeset -> changeset version + lockfile -> nx docker-build (the real local base image) -> nx docker-push
// to a registry on loopback. Then a second push through Nx, which must change nothing. Then, with the version
// committed, --publish -c local: it tags in git no version it did not push completely, names each one, and a later
// --publish picks them all up.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamBaseVariants } from '@vast/conventions';
import { run, type RunResult, dockerCommand } from '@vast/plugin/testing';
import { registryForTests } from '../support/registry-for-tests';
import { NX_ENV, ScratchWorkspace } from '../support/scratch-workspace';

/** base-image's production matrix, as its image.ts declares it (upstream's configs x Pythons). */
const BASE_PRODUCTION_VARIANTS = upstreamBaseVariants()
  .map((v) => v.key)
  .join(', ');

const REPOSITORY = 'vastai/base-image';
const RELEASE_TAGS = ['1-local', '1.1-local', '1.1.0-local', 'latest-local'];
/** The release tags and the staging tag docker-push carried the content in with, as the registry lists them. */
const expectedTags = (imageId: string) => [...RELEASE_TAGS, `staging-${imageId.slice('sha256:'.length)}`].sort();
const builtImageId = (root: string) =>
  JSON.parse(readFileSync(join(root, 'dist/builds/base-image/build-result.json'), 'utf8')).variants[0].imageId as string;

async function imageTags(): Promise<Set<string>> {
  const out = (await run(dockerCommand(), ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', REPOSITORY])).stdout;
  return new Set(out.split('\n').filter((l) => l && !l.endsWith(':<none>')));
}

/** The engine is shared: removes the build and version tags created since `before` was taken, and only those. */
async function removeTagsCreatedSince(before: Set<string> | undefined): Promise<void> {
  if (!before) return;
  for (const tag of await imageTags()) if (!before.has(tag)) await run(dockerCommand(), ['image', 'rm', tag], { reject: false });
}

/** Runs one of the workspace's node_modules/.bin commands in it, as CI would (no Nx daemon, plain output). */
const runIn = (ws: ScratchWorkspace, command: string, args: string[]) =>
  run(join(ws.root, 'node_modules/.bin', command), args, {
    cwd: ws.root,
    env: { ...process.env, ...NX_ENV },
    reject: false,
    timeoutMs: 25 * 60_000,
  });

describe('npm run release -- -c local: base-image minor, built and pushed for real', () => {
  const registry = registryForTests('release-local-');
  let ws: ScratchWorkspace;
  let tagsBefore: Set<string>;
  let release: RunResult;

  const inWorkspace = (command: string, args: string[]) => runIn(ws, command, args);

  beforeAll(async () => {
    ws = ScratchWorkspace.create('release-local-ws-');
    // Only base-image builds offline in this copy: pytorch's local variant (Debian's torch) would add minutes and
    // nothing to what this suite checks; e2e/pytorch-local builds and boots it.
    ws.edit('packages/images/pytorch/image.ts', (text) => text.replace(/\n {4}\/\/ Debian bookworm's CPU builds[^]*?\n {4}\},/, ''));
    expect(ws.read('packages/images/pytorch/image.ts')).not.toContain("key: 'local'");
    writeFileSync(
      join(ws.root, '.changeset/base-image-minor.md'),
      '---\n"@vast/base-image": minor\n---\n\nServe the portal over HTTP/2.\n',
    );
    ws.git('add', '--all');
    ws.git('commit', '--quiet', '-m', 'changeset');
    tagsBefore = await imageTags();
    release = await inWorkspace('tsx', ['scripts/release.ts', '-c', 'local', '--registry', registry().host]);
  }, 30 * 60_000);

  afterAll(async () => {
    await removeTagsCreatedSince(tagsBefore);
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
    expect(release.stdout).toContain(
      'release: no git tag yet: commit the version changes, then npm run release -- --publish tags what is in the registry.',
    );
    expect(ws.git('tag', '--list')).toBe('');
  });

  it('puts exactly the release tags of the local base image in the registry, and nothing else', async () => {
    expect(await registry().catalog()).toEqual([REPOSITORY]);
    expect(await registry().tags(REPOSITORY)).toEqual(expectedTags(builtImageId(ws.root)));
  });

  it('pushed the image docker-build built', async () => {
    const built = JSON.parse(readFileSync(join(ws.root, 'dist/builds/base-image/build-result.json'), 'utf8'));
    expect(built).toMatchObject({ name: 'base-image', repository: REPOSITORY, version: '1.1.0', profile: 'local' });
    expect((await registry().manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(built.variants[0].imageId);
    const digests = await Promise.all(expectedTags(built.variants[0].imageId).map((t) => registry().digest(REPOSITORY, t)));
    expect(new Set(digests).size).toBe(1);
  });

  it(
    'a second push through Nx changes nothing and says so',
    async () => {
      const before = registry().snapshot();
      const again = await inWorkspace('nx', ['run', 'base-image:docker-push', '-c', 'local', `--registry=${registry().host}`]);
      expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
      for (const tag of ['1.1.0-local', '1.1-local', '1-local', 'latest-local']) {
        expect(again.stdout).toMatch(
          new RegExp(`  unchanged  ${registry().host}/${REPOSITORY}:${tag.replace(/\./g, '\\.')}  sha256:[0-9a-f]{64}`),
        );
      }
      expect(again.stdout).toContain('docker-push base-image: 0 pushed, 4 unchanged.');
      expect(await registry().tags(REPOSITORY)).toEqual(expectedTags(builtImageId(ws.root)));
      expect(registry().snapshot()).toEqual(before);
    },
    10 * 60_000,
  );

  it(
    '--publish -c local tags no version it did not push completely, and names each one',
    async () => {
      ws.commit('Version images');
      const before = registry().snapshot();
      const publish = await inWorkspace('tsx', ['scripts/release.ts', '--publish', '-c', 'local', '--registry', registry().host]);
      expect(publish.exitCode, `${publish.stdout}\n${publish.stderr}`).toBe(0);
      expect(publish.stdout).toContain(
        [
          'release: images to release',
          '  base-image       (untagged) -> 1.1.0',
          '  ollama           (untagged) -> 1.0.1',
          '  pytorch          (untagged) -> 1.0.1',
          '  vllm             (untagged) -> 1.0.1',
          '  comfyui          (untagged) -> 1.0.1',
        ].join('\n'),
      );
      expect(publish.stdout).toContain('docker-push base-image: 0 pushed, 4 unchanged.');
      expect(publish.stdout).toContain(
        [
          'release: git tags',
          `  not tagged       @vast/base-image@1.1.0: pushed its local variant only; its production variants (${BASE_PRODUCTION_VARIANTS}) still need --publish -c production`,
          '  not tagged       @vast/ollama@1.0.1: not built or pushed: no local variant in packages/images/ollama/image.ts',
          '  not tagged       @vast/pytorch@1.0.1: not built or pushed: no local variant in packages/images/pytorch/image.ts',
          '  not tagged       @vast/vllm@1.0.1: not built or pushed: no local variant in packages/images/vllm/image.ts',
          '  not tagged       @vast/comfyui@1.0.1: not built or pushed: no local variant in packages/images/comfyui/image.ts',
          'release: the untagged versions stay unreleased; the next --publish picks them up.',
        ].join('\n'),
      );
      // On ac20962 `changeset tag` tagged all five here, so the next --publish took them as released and never pushed them.
      expect(ws.git('tag', '--list')).toBe('');
      expect(registry().snapshot()).toEqual(before);
    },
    15 * 60_000,
  );

  it(
    'a later --publish picks up every version left untagged',
    async () => {
      const later = await inWorkspace('tsx', ['scripts/release.ts', '--publish', '--dry-run']);
      expect(later.exitCode, `${later.stdout}\n${later.stderr}`).toBe(0);
      expect(later.stdout).toContain(
        [
          'release: would run',
          '  nx run-many -t docker-build -p base-image,ollama,pytorch,vllm,comfyui -c production',
          '  nx run-many -t docker-push -p base-image,ollama,pytorch,vllm,comfyui -c production --parallel=1 --nxBail',
          '  git tag <package>@<version> for each image the push completes (base-image, ollama, pytorch, vllm, comfyui)',
        ].join('\n'),
      );
    },
    5 * 60_000,
  );
});

describe('npm run release -- --publish -c local: a version it pushed completely is tagged in git, once', () => {
  const registry = registryForTests('release-publish-');
  let ws: ScratchWorkspace;
  let tagsBefore: Set<string>;

  const inWorkspace = (command: string, args: string[]) => runIn(ws, command, args);

  beforeAll(async () => {
    // A family of one local-only image: base-image without its production variants and without the images built on it.
    ws = ScratchWorkspace.create('release-publish-ws-');
    for (const image of ['pytorch', 'comfyui', 'vllm', 'ollama'])
      rmSync(join(ws.root, 'packages/images', image), { recursive: true, force: true });
    ws.edit('packages/images/base-image/image.ts', (text) => {
      // The production matrix is one spread of upstreamBaseVariants(); without it only the local variant is left.
      const edited = text.replace(/\.\.\.upstreamBaseVariants\(\),\s*/, '');
      if (edited === text) throw new Error('base-image/image.ts no longer spreads upstreamBaseVariants(): update this edit');
      return edited;
    });
    expect(ws.read('packages/images/base-image/image.ts')).not.toMatch(/key: '(stock|cuda)-/);
    ws.commit('a local-only family');
    tagsBefore = await imageTags();
  }, 5 * 60_000);

  afterAll(async () => {
    await removeTagsCreatedSince(tagsBefore);
    ws?.dispose();
  });

  it(
    'pushes base-image and tags exactly its version',
    async () => {
      const publish = await inWorkspace('tsx', ['scripts/release.ts', '--publish', '-c', 'local', '--registry', registry().host]);
      expect(publish.exitCode, `${publish.stdout}\n${publish.stderr}`).toBe(0);
      expect(publish.stdout).toContain('release: images to release\n  base-image       (untagged) -> 1.0.0\n');
      expect(publish.stdout.slice(publish.stdout.indexOf('release: git tags'))).toBe(
        'release: git tags\n  New tag:         @vast/base-image@1.0.0',
      );
      expect(publish.stdout).not.toContain('not tagged');
      expect(ws.git('tag', '--list').trim().split('\n')).toEqual(['@vast/base-image@1.0.0']);
      expect(await registry().tags(REPOSITORY)).toEqual(
        ['1-local', '1.0-local', '1.0.0-local', 'latest-local', `staging-${builtImageId(ws.root).slice('sha256:'.length)}`].sort(),
      );
    },
    25 * 60_000,
  );

  it(
    'the next --publish finds nothing left to release',
    async () => {
      const again = await inWorkspace('tsx', ['scripts/release.ts', '--publish', '-c', 'local', '--registry', registry().host]);
      expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
      expect(again.stdout).toContain('release: no image to release');
      expect(ws.git('tag', '--list').trim()).toBe('@vast/base-image@1.0.0');
    },
    5 * 60_000,
  );
});
