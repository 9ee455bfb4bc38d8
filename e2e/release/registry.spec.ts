// docker-push against a real registry: Debian's docker-registry on a free loopback port (started here,
// never the system service), the real Docker engine, and the executor's own code path.
// Needs: apt-get install -y docker-registry, a running dockerd.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dockerPushExecutor as dockerPush, run, dockerCommand, imageExists, imageId as imageIdOf, fakeExecutorContext } from '@vast/plugin/testing';
import { freePort } from '@vast/portal/testing';
import { startRegistry, type RegistryServer } from '../support/registry-server';

const LOCAL_BASE = 'vast-local/bookworm:latest';
const REPOSITORY = 'vastai/base-image';
const VERSION = '1.1.0';
const EXPECTED_TAGS = ['1-local', '1.1-local', '1.1.0-local', 'latest-local'];

const id = randomBytes(6).toString('hex');
const buildTag = `release-e2e/base-image:build-${id}`;
let tmp: string;
let registry: RegistryServer;
let imageId: string;

/** A tiny image: one file on top of the local Debian root if it exists, else one file and nothing else. */
async function makeImage(): Promise<void> {
  if (await imageExists(LOCAL_BASE)) {
    const context = join(tmp, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'release-e2e'), `${id}\n`);
    writeFileSync(join(context, 'Dockerfile'), `FROM ${LOCAL_BASE}\nCOPY release-e2e /release-e2e\n`);
    // The classic builder uses the local FROM image as is; nothing is looked up in a registry.
    await run(dockerCommand(), ['build', '--quiet', '--tag', buildTag, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  } else {
    const rootfs = join(tmp, 'rootfs');
    mkdirSync(rootfs);
    writeFileSync(join(rootfs, 'release-e2e'), `${id}\n`);
    await run('tar', ['-C', rootfs, '-cf', join(tmp, 'rootfs.tar'), '.']);
    await run(dockerCommand(), ['import', join(tmp, 'rootfs.tar'), buildTag]);
  }
  imageId = (await imageIdOf(buildTag)) as string;
}

/** The workspace files docker-push reads: package.json (version), image.json (build) and build-result.json (docker-build). */
function writeWorkspace(root: string): void {
  mkdirSync(join(root, 'packages/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/builds/base-image'), { recursive: true });
  writeFileSync(join(root, 'packages/images/base-image/package.json'), JSON.stringify({ name: '@vast/base-image', version: VERSION }));
  writeFileSync(
    join(root, 'dist/images/base-image/image.json'),
    JSON.stringify({ name: 'base-image', class: 'base', repository: REPOSITORY, version: VERSION, variants: [{ key: 'local', local: true, args: {} }] }),
  );
  writeFileSync(
    join(root, 'dist/builds/base-image/build-result.json'),
    JSON.stringify({ name: 'base-image', repository: REPOSITORY, version: VERSION, variants: [{ key: 'local', buildTag, imageId }] }),
  );
}

const context = (root: string) => fakeExecutorContext(root, 'base-image');

/** Runs the executor and returns its result plus every line it printed. */
async function push(root: string, registryHost: string) {
  const lines: string[] = [];
  const info = vi.spyOn(logger, 'info').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    const result = await dockerPush({ registry: registryHost, profile: 'local' }, context(root));
    return { ...result, lines };
  } finally {
    info.mockRestore();
    error.mockRestore();
  }
}

describe('docker-push to a real registry', () => {
  let workspace: string;
  const host = () => registry.host;
  const refs = () => ['1.1.0-local', '1.1-local', '1-local', 'latest-local'].map((t) => `${host()}/${REPOSITORY}:${t}`);
  let firstDigest: string;
  let snapshot: string[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'release-registry-'));
    workspace = join(tmp, 'workspace');
    registry = await startRegistry(tmp);
    await makeImage();
    writeWorkspace(workspace);
  }, 180_000);

  afterAll(async () => {
    registry?.stop();
    await run(dockerCommand(), ['image', 'rm', '--force', buildTag], { reject: false });
    if (registry) for (const ref of refs()) await run(dockerCommand(), ['image', 'rm', ref], { reject: false });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('pushes exactly the release tags of the built variant', async () => {
    const result = await push(workspace, host());
    expect(result.success, result.lines.join('\n')).toBe(true);
    expect(result.report?.pushed.map((p) => p.target)).toEqual(refs());
    expect(result.report?.unchanged).toEqual([]);
    expect(await registry.tags(REPOSITORY)).toEqual(EXPECTED_TAGS);

    // All four tags name one manifest, the one the push reported, whose config is the built image.
    const digests = await Promise.all(EXPECTED_TAGS.map((t) => registry.digest(REPOSITORY, t)));
    firstDigest = digests[0] as string;
    expect(firstDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(digests)).toEqual(new Set([firstDigest]));
    expect(result.report?.pushed.map((p) => p.digest)).toEqual(refs().map(() => firstDigest));
    expect((await registry.manifest(REPOSITORY, '1.1.0-local')).config.digest).toBe(imageId);
    expect(await registry.catalog()).toEqual([REPOSITORY]);

    expect(result.lines.slice(-6)).toEqual([
      `docker-push base-image ${VERSION} -> ${host()}`,
      ...refs().map((ref) => `  pushed     ${ref}  ${firstDigest}`),
      'docker-push base-image: 4 pushed, 0 unchanged.',
    ]);
    snapshot = registry.snapshot();
  }, 300_000);

  it('leaves no registry-prefixed tag behind in the engine', async () => {
    for (const ref of refs()) expect(await imageExists(ref), ref).toBe(false);
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
    expect(await registry.tags(REPOSITORY)).toEqual(EXPECTED_TAGS);
    expect(await Promise.all(EXPECTED_TAGS.map((t) => registry.digest(REPOSITORY, t)))).toEqual(EXPECTED_TAGS.map(() => firstDigest));
    expect(registry.snapshot()).toEqual(snapshot);
  }, 120_000);

  it('an unreachable registry fails at the first tag and pushes nothing more', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await push(workspace, closed);
    expect(result.success).toBe(false);
    const target = (t: string) => `${closed}/${REPOSITORY}:${t}`;
    expect(result.report?.failed?.target).toBe(target('1.1.0-local'));
    expect(result.report?.notPushed).toEqual([target('1.1-local'), target('1-local'), target('latest-local')]);
    expect(result.lines).toContain(`  FAILED     ${target('1.1.0-local')}`);
    expect(result.lines.at(-1)).toMatch(/stopped at the first failure: 0 pushed, 0 unchanged, 4 not pushed/);
    expect(await imageExists(target('1.1.0-local'))).toBe(false);
  }, 60_000);
});
