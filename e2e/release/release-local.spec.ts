// The whole release command in the local profile, in a scratch copy of the workspace: a base-image minor
// changeset -> changeset version + lockfile -> nx docker-build (the real local base image) -> staged through upstream's
// staging namespace (VAST_STAGING_NAMESPACE: pushed to <registry>/vastaistaging/base-image, booted and smoke tested,
// then promoted to <registry>/vastai/base-image by digest) on a registry on loopback. Then a second push through Nx,
// which must change nothing. Then, with the version committed, --publish -c local: it tags in git no version it did
// not push completely, names each one, and a later --publish picks them all up. Last, a derivative whose boot fails is
// released the same way: it is staged, its smoke fails, and nothing reaches its production tags.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamBaseVariants } from '@vast/conventions';
import { buildResultFileOf, type BuildResult, run, type RunResult, dockerCommand } from '@vast/plugin/testing';
import { registryForTests } from '../support/registry-for-tests';
import { NX_ENV, ScratchWorkspace } from '../support/scratch-workspace';

/** base-image's production matrix, as its image.ts declares it (upstream's configs x Pythons). */
const BASE_PRODUCTION_VARIANTS = upstreamBaseVariants()
  .map((v) => v.key)
  .join(', ');

const REPOSITORY = 'vastai/base-image';
/** Upstream's staging namespace (DOCKERHUB_NAMESPACE_STAGING), swapped in for vastai/ while a release is staged. */
const STAGING_NAMESPACE = 'vastaistaging';
const STAGED_REPOSITORY = `${STAGING_NAMESPACE}/base-image`;
/** The release command's environment for a staged release: the staging namespace on the production registry. */
const STAGED = { VAST_STAGING_NAMESPACE: STAGING_NAMESPACE };
const RELEASE_TAGS = ['1-local', '1.1-local', '1.1.0-local', 'latest-local'];
/** The release tags and the staging tag a direct docker-push carried the content in with, as the registry lists them. */
const expectedTags = (imageId: string) => [...RELEASE_TAGS, `staging-${imageId.slice('sha256:'.length)}`].sort();
/** The images these releases build: base-image and the deliberately broken derivative. */
const IMAGES = { 'base-image': REPOSITORY, broken: 'vastai/broken' };

/** The image ids an image's build-result.json in `root` records, one per variant built (none when it has no record). */
function builtImageIds(root: string, image: string): string[] {
  const file = join(root, buildResultFileOf(image));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BuildResult).variants.map((v) => v.imageId) : [];
}
const builtImageId = (root: string) => builtImageIds(root, 'base-image')[0];

/** The engine's tags of IMAGES' repositories, each with the id of the image it names. */
async function imageTags(): Promise<Map<string, string>> {
  const filters = Object.values(IMAGES).flatMap((r) => ['--filter', `reference=${r}`]);
  const format = '{{.Repository}}:{{.Tag}} {{.ID}}';
  const out = (await run(dockerCommand(), ['image', 'ls', '--no-trunc', ...filters, '--format', format])).stdout;
  const lines = out.split('\n').filter((l) => l && !l.includes(':<none> '));
  return new Map(lines.map((l) => l.split(' ') as [string, string]));
}

/**
 * The engine is shared: removes the tags created since `before` was taken that name an image this workspace built, and
 * only those. Other suites run meanwhile (the arm64 job of e2e/multi-arch tags vastai/base-image for minutes while
 * these releases run), and a tag of theirs must outlive this suite.
 */
async function removeTagsCreatedSince(before: Map<string, string> | undefined, ws: ScratchWorkspace | undefined): Promise<void> {
  if (!before || !ws) return;
  const ours = new Set(Object.keys(IMAGES).flatMap((image) => builtImageIds(ws.root, image)));
  for (const [tag, id] of await imageTags())
    if (!before.has(tag) && ours.has(id)) await run(dockerCommand(), ['image', 'rm', tag], { reject: false });
}

/** Runs one of the workspace's node_modules/.bin commands in it, as CI would (no Nx daemon, plain output). */
const runIn = (ws: ScratchWorkspace, command: string, args: string[], env: Record<string, string> = {}) =>
  run(join(ws.root, 'node_modules/.bin', command), args, {
    cwd: ws.root,
    env: { ...process.env, ...NX_ENV, ...env },
    reject: false,
    timeoutMs: 25 * 60_000,
  });

describe('npm run release -- -c local: base-image minor, built, staged, smoke tested and promoted for real', () => {
  const registry = registryForTests('release-local-');
  let ws: ScratchWorkspace;
  let tagsBefore: Map<string, string>;
  let release: RunResult;

  const inWorkspace = (command: string, args: string[], env: Record<string, string> = {}) => runIn(ws, command, args, env);

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
    release = await inWorkspace('tsx', ['scripts/release.ts', '-c', 'local', '--registry', registry().host], STAGED);
  }, 30 * 60_000);

  afterAll(async () => {
    await removeTagsCreatedSince(tagsBefore, ws);
    ws?.dispose();
  });

  it('succeeds', () => {
    expect(release.exitCode, `${release.stdout}\n${release.stderr}`).toBe(0);
  });

  it('versions every image, builds, stages, smoke tests and promotes the one with a local variant, and says why the others are not', () => {
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
    const host = registry().host;
    const push = 'node_modules/.bin/nx run-many -t docker-push -p base-image -c local --parallel=1 --nxBail';
    const steps = release.stdout.split('\n').filter((l) => l.startsWith('release: ') || l.startsWith('$ '));
    expect(steps.slice(steps.indexOf('release: 3/4 build the released images, parents first'))).toEqual([
      'release: 3/4 build the released images, parents first',
      '$ node_modules/.bin/nx run-many -t docker-build -p base-image -c local',
      `release: 3/4 stage them in ${host}, namespace ${STAGING_NAMESPACE}`,
      `$ ${push} --registry=${host} --namespace=${STAGING_NAMESPACE} --upstreamTags=false`,
      'release: 3/4 smoke test the staged images',
      '$ node_modules/.bin/nx run-many -t smoke -p base-image -c local --parallel=1 --nxBail',
      `release: 4/4 promote their tags from ${host}, namespace ${STAGING_NAMESPACE} to ${host}, by digest`,
      `$ ${push} --promoteFrom=${host} --promoteFromNamespace=${STAGING_NAMESPACE}`,
      'release: pushed base-image@1.1.0',
      'release: no git tag yet: commit the version changes, then npm run release -- --publish tags what is in the registry.',
    ]);
    expect(release.stdout).toMatch(/^smoke: (\d+)\/\1 checks passed \(0 failing, 0 not applicable\)$/m);
    expect(release.stdout).toContain(
      'release: no git tag yet: commit the version changes, then npm run release -- --publish tags what is in the registry.',
    );
    expect(ws.git('tag', '--list')).toBe('');
  });

  it('staged in the staging namespace, and put exactly the release tags of the local base image in production', async () => {
    expect(await registry().catalog()).toEqual([REPOSITORY, STAGED_REPOSITORY]);
    // Staging got the content tag and the release tags; production only the release tags, copied by the promotion.
    expect(await registry().tags(STAGED_REPOSITORY)).toEqual(expectedTags(builtImageId(ws.root)));
    expect(await registry().tags(REPOSITORY)).toEqual(RELEASE_TAGS);
  });

  it('promoted the very digest it staged and smoke tested, which is the image docker-build built', async () => {
    const built = JSON.parse(readFileSync(join(ws.root, 'dist/builds/base-image/build-result.json'), 'utf8'));
    expect(built).toMatchObject({ name: 'base-image', repository: REPOSITORY, version: '1.1.0', profile: 'local' });
    expect((await registry().manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(built.variants[0].imageId);
    const staged = await registry().digest(STAGED_REPOSITORY, '1.1.0-local');
    expect(staged).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const tag of RELEASE_TAGS) expect(await registry().digest(REPOSITORY, tag), tag).toBe(staged);
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
      expect(await registry().tags(REPOSITORY)).toEqual(RELEASE_TAGS);
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

  it(
    'a derivative whose boot fails is staged, fails its smoke, and reaches no production tag: the release stops before promoting',
    async () => {
      const generated = ws.nx(
        'g',
        '@vast/plugin:derivative',
        'broken',
        '--parent=base-image',
        '--description=Boots with a failing stage, so its release smoke fails.',
        '--command=python3 -m http.server 17860 --bind 127.0.0.1',
      );
      expect(generated.code, generated.output).toBe(0);
      ws.write(
        'packages/images/broken/ROOT/etc/vast_boot.d/60-broken-on-purpose.sh',
        [
          '#!/bin/bash',
          '# Boot stage 60 (sourced by boot_default.sh): fails on purpose, so the smoke must keep this image from promotion.',
          'stage_broken_on_purpose() {',
          '    echo "broken on purpose: this image must never reach a production tag" >&2',
          '    return 3',
          '}',
          '',
          'stage_broken_on_purpose',
          '',
        ].join('\n'),
      );
      ws.write('.changeset/broken-patch.md', '---\n"@vast/broken": patch\n---\n\nA release whose boot fails.\n');
      ws.commit('a derivative that fails its boot');
      const productionBefore = await registry().tags(REPOSITORY);

      const broken = await inWorkspace('tsx', ['scripts/release.ts', '-c', 'local', '--registry', registry().host], STAGED);
      expect(broken.exitCode, `${broken.stdout}\n${broken.stderr}`).toBe(1);
      const version = JSON.parse(ws.read('packages/images/broken/package.json')).version as string;
      // It was staged (content and release tags in the staging namespace) and booted, and the boot's failure failed the smoke.
      expect(await registry().tags(`${STAGING_NAMESPACE}/broken`)).toEqual(
        expect.arrayContaining([`${version}-local`, `latest-local`, expect.stringMatching(/^staging-[0-9a-f]{64}$/)]),
      );
      expect(broken.stdout).toMatch(/FAIL\s+boot-stages-succeeded/);
      expect(broken.stdout).toContain('60-broken-on-purpose: failed (exit 3)');
      expect(broken.stdout).toContain('release: 3/4 smoke test the staged images');
      expect(broken.stdout).not.toContain('release: 4/4 promote');
      expect(broken.stderr).toContain('Nothing after the failed step ran.');
      // Nothing reached production: the registry has no vastai/broken at all, and base-image's tags are as they were.
      expect(await registry().catalog()).toEqual([REPOSITORY, `${STAGING_NAMESPACE}/broken`, STAGED_REPOSITORY].sort());
      expect(await registry().tags(REPOSITORY)).toEqual(productionBefore);
    },
    25 * 60_000,
  );
});

describe('npm run release -- --publish -c local: a version it pushed completely is tagged in git, once', () => {
  const registry = registryForTests('release-publish-');
  let ws: ScratchWorkspace;
  let tagsBefore: Map<string, string>;

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
    await removeTagsCreatedSince(tagsBefore, ws);
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
