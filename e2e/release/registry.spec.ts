// docker-push against a real registry: Debian's docker-registry on a free loopback port (started here,
// never the system service), the real Docker engine, and the executor's own code path; then the same push through a
// fault-injecting proxy that cuts it mid-way, and a push that would overwrite an exact version tag; then a release
// staged in staging/..., smoke tested from there by digest, and promoted (docker-push --promoteFrom) by digest.
// Needs: apt-get install -y docker-registry, a running dockerd.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  dockerPushExecutor as dockerPush,
  run,
  dockerCommand,
  imageExists,
  imageId as imageIdOf,
  fakeExecutorContext,
  LOCAL_ROOT_DEFAULTS,
} from '@vast/plugin/testing';
import { freePort } from '@vast/portal/testing';
import { startRegistry, type RegistryServer } from '../support/registry-server';
import { startFaultyProxy, type FaultyProxy } from '../support/faulty-proxy';
import { registryForTests } from '../support/registry-for-tests';

const LOCAL_BASE = LOCAL_ROOT_DEFAULTS.image;
const REPOSITORY = 'vastai/base-image';
const VERSION = '1.1.0';
const RELEASE_TAGS = ['1-local', '1.1-local', '1.1.0-local', 'latest-local'];
/** The same, in the order docker-push writes them: the exact tag first. */
const RELEASE_TAGS_IN_ORDER = ['1.1.0-local', '1.1-local', '1-local', 'latest-local'];
/** The release tags plus the staging tag that carried the content in, sorted as the registry lists them. */
const expectedTags = (imageId: string) => [...RELEASE_TAGS, `staging-${imageId.slice('sha256:'.length)}`].sort();

const id = randomBytes(6).toString('hex');
const buildTag = `release-e2e/base-image:build-${id}`;
let tmp: string;
let registry: RegistryServer;
let imageId: string;

/** A tiny image: one file on top of the local Debian root if it exists, else one file and nothing else. Returns its id. */
async function makeImage(tag = buildTag, content = id): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'release-image-'));
  try {
    if (await imageExists(LOCAL_BASE)) {
      const context = join(dir, 'context');
      mkdirSync(context);
      writeFileSync(join(context, 'release-e2e'), `${content}\n`);
      writeFileSync(join(context, 'Dockerfile'), `FROM ${LOCAL_BASE}\nCOPY release-e2e /release-e2e\n`);
      // The classic builder uses the local FROM image as is; nothing is looked up in a registry.
      await run(dockerCommand(), ['build', '--quiet', '--tag', tag, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    } else {
      const rootfs = join(dir, 'rootfs');
      mkdirSync(rootfs);
      writeFileSync(join(rootfs, 'release-e2e'), `${content}\n`);
      await run('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
      await run(dockerCommand(), ['import', join(dir, 'rootfs.tar'), tag]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return (await imageIdOf(tag)) as string;
}

/** The workspace files docker-push reads: package.json (version), image.json (build) and build-result.json (docker-build). */
function writeWorkspace(root: string, built = { buildTag, imageId }): void {
  mkdirSync(join(root, 'packages/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/builds/base-image'), { recursive: true });
  writeFileSync(join(root, 'packages/images/base-image/package.json'), JSON.stringify({ name: '@vast/base-image', version: VERSION }));
  writeFileSync(
    join(root, 'dist/images/base-image/image.json'),
    JSON.stringify({
      name: 'base-image',
      class: 'base',
      repository: REPOSITORY,
      version: VERSION,
      variants: [{ key: 'local', local: true, args: {} }],
    }),
  );
  writeFileSync(
    join(root, 'dist/builds/base-image/build-result.json'),
    JSON.stringify({
      name: 'base-image',
      repository: REPOSITORY,
      version: VERSION,
      variants: [{ key: 'local', buildTag: built.buildTag, imageId: built.imageId }],
    }),
  );
}

const context = (root: string) => fakeExecutorContext(root, 'base-image');

/** Runs the executor and returns its result plus every line it printed. */
async function push(root: string, registryHost: string, options: { upstreamTags?: boolean; date?: string; promoteFrom?: string } = {}) {
  const lines: string[] = [];
  const info = vi.spyOn(logger, 'info').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    const result = await dockerPush({ registry: registryHost, profile: 'local', ...options }, context(root));
    return { ...result, lines };
  } finally {
    info.mockRestore();
    error.mockRestore();
  }
}

/** tag -> config digest (the image id) of every tag of the repository, read from the registry itself. */
async function imagesByTag(reg: RegistryServer): Promise<Record<string, string>> {
  const tags = await reg.tags(REPOSITORY).catch(() => [] as string[]);
  return Object.fromEntries(await Promise.all(tags.map(async (t) => [t, (await reg.manifest(REPOSITORY, t)).config.digest] as const)));
}

describe('docker-push to a real registry', () => {
  let workspace: string;
  const host = () => registry.host;
  const refs = () => RELEASE_TAGS_IN_ORDER.map((t) => `${host()}/${REPOSITORY}:${t}`);
  const staging = () => `${host()}/${REPOSITORY}:staging-${imageId.slice('sha256:'.length)}`;
  let firstDigest: string;
  let snapshot: string[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'release-registry-'));
    workspace = join(tmp, 'workspace');
    registry = await startRegistry(tmp);
    imageId = await makeImage();
    writeWorkspace(workspace);
  }, 180_000);

  afterAll(async () => {
    registry?.stop();
    await run(dockerCommand(), ['image', 'rm', '--force', buildTag], { reject: false });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('stages the content, then pushes exactly the release tags of the built variant', async () => {
    const result = await push(workspace, host());
    expect(result.success, result.lines.join('\n')).toBe(true);
    expect(result.report?.pushed.map((p) => p.target)).toEqual([staging(), ...refs()]);
    expect(result.report?.unchanged).toEqual([]);
    expect(await registry.tags(REPOSITORY)).toEqual(expectedTags(imageId));

    // Every tag names one manifest, the one the push reported, whose config is the built image.
    const digests = await Promise.all(expectedTags(imageId).map((t) => registry.digest(REPOSITORY, t)));
    firstDigest = digests[0] as string;
    expect(firstDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(digests)).toEqual(new Set([firstDigest]));
    expect(result.report?.pushed.map((p) => p.digest)).toEqual([staging(), ...refs()].map(() => firstDigest));
    expect((await registry.manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(imageId);
    expect(await registry.catalog()).toEqual([REPOSITORY]);

    expect(result.lines.slice(-7)).toEqual([
      `docker-push base-image ${VERSION} -> ${host()}`,
      `  staged     ${staging()}  ${firstDigest}`,
      ...refs().map((ref) => `  pushed     ${ref}  ${firstDigest}`),
      'docker-push base-image: 4 pushed, 0 unchanged.',
    ]);
    snapshot = registry.snapshot();
  }, 300_000);

  it('leaves no registry-prefixed tag behind in the engine', async () => {
    for (const ref of [staging(), ...refs()]) expect(await imageExists(ref), ref).toBe(false);
    expect(await imageExists(buildTag)).toBe(true);
  });

  it('a second push changes nothing and says so', async () => {
    const result = await push(workspace, host());
    expect(result.success, result.lines.join('\n')).toBe(true);
    expect(result.report?.pushed).toEqual([]);
    expect(result.report?.unchanged.map((u) => u.target)).toEqual(refs());
    expect(result.lines.slice(-6)).toEqual([
      `docker-push base-image ${VERSION} -> ${host()}`,
      ...refs().map((ref) => `  unchanged  ${ref}  ${firstDigest}`),
      'docker-push base-image: 0 pushed, 4 unchanged.',
    ]);
    expect(await registry.tags(REPOSITORY)).toEqual(expectedTags(imageId));
    expect(registry.snapshot()).toEqual(snapshot);
  }, 120_000);

  it('a push that would overwrite an exact tag stops before pushing anything', async () => {
    // Another build of the same version: its exact tag 1.1.0-local is taken by the image pushed above.
    const otherTag = `release-e2e/base-image:build-${id}-other`;
    const otherId = await makeImage(otherTag, `${id} other`);
    const otherWorkspace = join(tmp, 'workspace-other');
    writeWorkspace(otherWorkspace, { buildTag: otherTag, imageId: otherId });
    const tagsBefore = await imagesByTag(registry);
    try {
      const result = await push(otherWorkspace, host());
      expect(result.success).toBe(false);
      expect(result.report).toBeUndefined();
      expect(result.lines.filter((l) => !l.startsWith('[check '))).toEqual([
        'docker-push base-image: refusing to push anything:',
        `${refs()[0]}: the exact version tag already names manifest ${firstDigest} of image ${imageId}; this build is image ${otherId}. An exact version tag names one image forever, so it is not overwritten. Release this build under a new version (npx changeset, then npm run release), or, if the registry's image is the wrong one, delete that tag in the registry first.`,
      ]);
      // Nothing moved: the same tags name the same images, and not one file of the registry's storage changed.
      expect(await imagesByTag(registry)).toEqual(tagsBefore);
      expect(registry.snapshot()).toEqual(snapshot);
    } finally {
      await run(dockerCommand(), ['image', 'rm', '--force', otherTag], { reject: false });
    }
  }, 300_000);

  it('refuses a registry nothing answers for, before anything is tagged', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await push(workspace, closed);
    expect(result.success).toBe(false);
    expect(result.report).toBeUndefined();
    expect(result.lines).toEqual([
      'docker-push base-image: refusing to push anything:',
      `registry ${closed}: GET http://${closed}/v2/ failed (ECONNREFUSED). Start the registry or fix --registry / VAST_REGISTRY, then run again.`,
    ]);
    expect(await imageExists(`${closed}/${REPOSITORY}:1.1.0-local`)).toBe(false);
  }, 60_000);

  it("--upstreamTags adds upstream's dated name of the day given, after the semver tags, naming the same image", async () => {
    const dated = `${host()}/${REPOSITORY}:local-2026-08-21`;
    const result = await push(workspace, host(), { upstreamTags: true, date: '2026-08-21' });
    expect(result.success, result.lines.join('\n')).toBe(true);
    expect(result.report?.pushed.map((p) => p.target)).toEqual([dated]);
    expect(result.report?.unchanged.map((u) => u.target)).toEqual([staging(), ...refs()]);
    expect((await registry.manifest(REPOSITORY, 'local-2026-08-21')).config.digest).toBe(imageId);
    expect(await registry.tags(REPOSITORY)).toEqual([...expectedTags(imageId), 'local-2026-08-21'].sort());
  }, 120_000);
});

describe('docker-push cut mid-way by a fault-injecting proxy, then run again', () => {
  const backend = registryForTests('release-cut-');
  let proxy: FaultyProxy;
  let workspace: string;
  let cutTag: string;
  let cutId: string;
  const ref = (tag: string) => `${proxy.host}/${REPOSITORY}:${tag}`;
  const isManifestPut = (method: string, path: string) => method === 'PUT' && path.includes('/manifests/');

  beforeAll(async () => {
    proxy = await startFaultyProxy(backend().host);
    cutTag = `release-e2e/base-image:build-${id}-cut`;
    cutId = await makeImage(cutTag, `${id} cut`);
    workspace = join(backend().dir, 'workspace');
    writeWorkspace(workspace, { buildTag: cutTag, imageId: cutId });
  }, 180_000);

  afterAll(async () => {
    await proxy?.stop();
    await run(dockerCommand(), ['image', 'rm', '--force', cutTag], { reject: false });
  });

  it('a cut while the content moves leaves no tag at all in the registry', async () => {
    // The first blob upload goes through; every request after it is dropped.
    proxy.dropAfter(1, (method, path) => method === 'PATCH' || (method === 'PUT' && path.includes('/blobs/uploads/')));
    const result = await push(workspace, proxy.host);
    expect(result.success).toBe(false);
    expect(proxy.dropped()).toBeGreaterThan(0);
    expect(result.report?.failed?.target).toBe(ref(`staging-${cutId.slice('sha256:'.length)}`));
    expect(result.report?.pushed).toEqual([]);
    expect(result.lines.at(-1)).toBe(
      `docker-push base-image: stopped before any release tag was written: the registry has no tag of ${VERSION} (4 not published). Fix the error and run nx run base-image:docker-push --registry=${proxy.host} -c local again.`,
    );
    expect(await imagesByTag(backend())).toEqual({});
  }, 600_000);

  it('a cut while tags are written leaves only exact tags, each naming this build, and names what is missing', async () => {
    // The staging manifest and the first release tag go through; every request after the second manifest is dropped.
    proxy.dropAfter(2, isManifestPut);
    const result = await push(workspace, proxy.host);
    expect(result.success).toBe(false);
    expect(result.report?.pushed.map((p) => p.target)).toEqual([ref(`staging-${cutId.slice('sha256:'.length)}`), ref('1.1.0-local')]);
    expect(result.report?.failed?.target).toBe(ref('1.1-local'));
    expect(result.report?.notPushed.map((n) => n.target)).toEqual([ref('1-local'), ref('latest-local')]);
    expect(result.lines).toContain(`  FAILED     ${ref('1.1-local')}`);
    expect(result.lines).toContain(`  not pushed ${ref('latest-local')}`);
    expect(result.lines.at(-1)).toBe(
      `docker-push base-image: stopped after 1 release tags were published (1 pushed, 0 unchanged); 3 not published, listed above. Every published tag names this build. Fix the error and run nx run base-image:docker-push --registry=${proxy.host} -c local again: it keeps what is there and writes the rest.`,
    );
    // What reached the registry: the content and the exact tag, both this build; no moving alias.
    expect(await imagesByTag(backend())).toEqual({ '1.1.0-local': cutId, [`staging-${cutId.slice('sha256:'.length)}`]: cutId });
  }, 600_000);

  it('the re-run finishes it: what is there is kept, the rest is written, every tag names this build', async () => {
    proxy.dropAfter(undefined);
    const result = await push(workspace, proxy.host);
    expect(result.success, result.lines.join('\n')).toBe(true);
    expect(result.report?.unchanged.map((u) => u.target)).toEqual([ref(`staging-${cutId.slice('sha256:'.length)}`), ref('1.1.0-local')]);
    expect(result.report?.pushed.map((p) => p.target)).toEqual([ref('1.1-local'), ref('1-local'), ref('latest-local')]);
    expect(result.lines.at(-1)).toBe('docker-push base-image: 3 pushed, 1 unchanged.');
    const tags = await imagesByTag(backend());
    expect(Object.keys(tags).sort()).toEqual(expectedTags(cutId));
    expect(new Set(Object.values(tags))).toEqual(new Set([cutId]));
  }, 600_000);
});

describe('staging, a smoke test of what was staged, then promotion by digest', () => {
  const reg = registryForTests('release-promote-');
  const stagedTag = `release-e2e/base-image:build-${id}-staged`;
  let workspace: string;
  let builtId: string;
  const staging = () => `${reg().host}/staging`;
  const stagedRepo = `staging/${REPOSITORY}`;
  /** Every image id in the engine: a promotion that builds, pulls or imports nothing leaves it as it was. */
  const engineImages = async () =>
    (await run(dockerCommand(), ['image', 'ls', '--all', '--quiet', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort();
  /** The release's smoke test, run on what staging serves for `digest` (pulled by digest), not on a local tag. */
  const smokeStaged = async (digest: string, expected: string) => {
    const ref = `${staging()}/${REPOSITORY}@${digest}`;
    try {
      const result = await run(dockerCommand(), ['run', '--rm', '--pull=always', ref, 'cat', '/release-e2e'], { reject: false });
      return result.exitCode === 0 && result.stdout.trim() === expected;
    } finally {
      await run(dockerCommand(), ['image', 'rm', ref], { reject: false });
    }
  };

  beforeAll(async () => {
    builtId = await makeImage(stagedTag, `${id} staged`);
    workspace = join(reg().dir, 'workspace');
    writeWorkspace(workspace, { buildTag: stagedTag, imageId: builtId });
  }, 180_000);

  afterAll(async () => {
    await run(dockerCommand(), ['image', 'rm', '--force', stagedTag], { reject: false });
  });

  it('a promotion before anything is staged refuses and writes nothing', async () => {
    const result = await push(workspace, reg().host, { promoteFrom: staging() });
    expect(result.success).toBe(false);
    expect(result.lines).toContain(
      `${staging()}/${REPOSITORY}:staging-${builtId.slice('sha256:'.length)}: not staged (variant 'local'). Stage this build first: nx run base-image:docker-push --registry=${staging()} -c local, smoke it, then promote.`,
    );
    expect(await reg().catalog()).toEqual([]);
  }, 120_000);

  it('stages, smoke tests the staged digest, then promotes the release tags and the upstream names to that digest, building nothing', async () => {
    const staged = await push(workspace, staging());
    expect(staged.success, staged.lines.join('\n')).toBe(true);
    const stagedDigest = await reg().digest(stagedRepo, '1.1.0-local');
    expect(stagedDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Staging gets no upstream names: they move only when a release is promoted.
    expect(await reg().tags(stagedRepo)).toEqual(expectedTags(builtId));
    expect(await smokeStaged(stagedDigest as string, `${id} staged`)).toBe(true);

    const before = await engineImages();
    const promoted = await push(workspace, reg().host, { promoteFrom: staging(), upstreamTags: true, date: '2026-08-21' });
    expect(promoted.success, promoted.lines.join('\n')).toBe(true);
    const production = [...RELEASE_TAGS_IN_ORDER, 'local-2026-08-21'];
    expect(promoted.report?.pushed.map((p) => p.target)).toEqual(production.map((t) => `${reg().host}/${REPOSITORY}:${t}`));
    expect(promoted.report?.pushed.map((p) => p.digest)).toEqual(production.map(() => stagedDigest));
    // The registry itself says every production tag names the staged digest; no content tag was written there.
    expect(await reg().tags(REPOSITORY)).toEqual([...production].sort());
    for (const t of production) expect(await reg().digest(REPOSITORY, t), t).toBe(stagedDigest);
    expect((await reg().manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(builtId);
    expect(await reg().catalog()).toEqual([REPOSITORY, stagedRepo].sort());
    // Nothing was built, pulled or tagged in the engine: the promotion happened inside the registry.
    expect(await engineImages()).toEqual(before);
    expect(promoted.lines).toContain(`docker-push base-image: ${production.length} pushed, 0 unchanged.`);

    const again = await push(workspace, reg().host, { promoteFrom: staging(), upstreamTags: true, date: '2026-08-21' });
    expect(again.success, again.lines.join('\n')).toBe(true);
    expect(again.report?.pushed).toEqual([]);
    expect(again.report?.unchanged.map((u) => u.digest)).toEqual(production.map(() => stagedDigest));
  }, 300_000);

  it('another build of the same version is neither staged over the tested one nor promoted: a promotion takes only what this build staged', async () => {
    // A different image of version 1.1.0 (a rebuild, or what a failed smoke stopped before its promotion).
    const otherTag = `release-e2e/base-image:build-${id}-broken`;
    const otherId = await makeImage(otherTag, `${id} broken`);
    const otherWorkspace = join(reg().dir, 'workspace-broken');
    writeWorkspace(otherWorkspace, { buildTag: otherTag, imageId: otherId });
    try {
      const stagingBefore = await reg().tags(stagedRepo);
      const staged = await push(otherWorkspace, staging());
      // Its exact tag is taken in staging by the build above, so staging refuses it before anything moves.
      expect(staged.success).toBe(false);
      expect(await reg().tags(stagedRepo)).toEqual(stagingBefore);
      const productionBefore = await imagesByTagOf(REPOSITORY);
      const promoted = await push(otherWorkspace, reg().host, { promoteFrom: staging() });
      expect(promoted.success).toBe(false);
      expect(promoted.lines.join('\n')).toContain(`staging-${otherId.slice('sha256:'.length)}: not staged (variant 'local')`);
      expect(await imagesByTagOf(REPOSITORY)).toEqual(productionBefore);
    } finally {
      await run(dockerCommand(), ['image', 'rm', '--force', otherTag], { reject: false });
    }
  }, 300_000);

  /** tag -> config digest of every tag of `repository` in this file's registry. */
  async function imagesByTagOf(repository: string): Promise<Record<string, string>> {
    const tags = await reg()
      .tags(repository)
      .catch(() => [] as string[]);
    return Object.fromEntries(await Promise.all(tags.map(async (t) => [t, (await reg().manifest(repository, t)).config.digest] as const)));
  }
});
