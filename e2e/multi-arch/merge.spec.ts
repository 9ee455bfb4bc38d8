// docker-push's per-platform push and --merge against a real registry (Debian's docker-registry on loopback), with two
// one-file images, one per platform, built by BuildKit for linux/amd64 and linux/arm64 (no RUN, so no emulation):
// the merge mechanics in seconds. multi-arch.spec.ts builds, boots and merges the real local base.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dockerPushExecutor as dockerPush, dockerCommand, fakeExecutorContext, imageId, run } from '@vast/plugin/testing';
import { startRegistry, type RegistryServer } from '../support/registry-server';

const REPOSITORY = 'vastai/base-image';
const VERSION = '1.1.0';
const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
const id = randomBytes(6).toString('hex');
const tagOf = (platform: string) => `multi-arch-e2e/base-image:build-${id}-${platform.split('/')[1]}`;

let tmp: string;
let registry: RegistryServer;
let workspace: string;

/** A one-file image for `platform` (BuildKit records the platform; nothing runs, so no emulation is needed). */
async function makeImage(platform: string): Promise<string> {
  const context = join(tmp, `context-${platform.replace('/', '-')}`);
  mkdirSync(context);
  writeFileSync(join(context, 'platform'), `${platform} ${id}\n`);
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY platform /platform\n');
  await run(dockerCommand(), ['build', '--quiet', '--platform', platform, '--tag', tagOf(platform), context], {
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
  });
  return (await imageId(tagOf(platform))) as string;
}

/** image.json (local-min declares both platforms) and build-result.json of one platform's build, as docker-build writes them. */
function writeWorkspace(built: Array<{ platform: string; imageId: string }>): void {
  mkdirSync(join(workspace, 'packages/images/base-image'), { recursive: true });
  mkdirSync(join(workspace, 'dist/images/base-image'), { recursive: true });
  mkdirSync(join(workspace, 'dist/builds/base-image'), { recursive: true });
  writeFileSync(join(workspace, 'packages/images/base-image/package.json'), JSON.stringify({ name: '@vast/base-image', version: VERSION }));
  writeFileSync(
    join(workspace, 'dist/images/base-image/image.json'),
    JSON.stringify({
      name: 'base-image',
      class: 'base',
      repository: REPOSITORY,
      version: VERSION,
      variants: [
        { key: 'local', local: true, args: {} },
        { key: 'local-min', local: true, onDemand: true, platforms: [...PLATFORMS], args: {} },
      ],
    }),
  );
  writeFileSync(
    join(workspace, 'dist/builds/base-image/build-result.json'),
    JSON.stringify({
      name: 'base-image',
      repository: REPOSITORY,
      version: VERSION,
      profile: 'local',
      variants: built.map((b) => ({ key: 'local-min', platform: b.platform, buildTag: tagOf(b.platform), imageId: b.imageId })),
    }),
  );
}

async function push(options: { merge?: boolean } = {}) {
  const lines: string[] = [];
  const info = vi.spyOn(logger, 'info').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    const result = await dockerPush(
      { registry: registry.host, profile: 'local', variants: ['local-min'], ...options },
      fakeExecutorContext(workspace, 'base-image'),
    );
    return { ...result, lines };
  } finally {
    info.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'multi-arch-merge-'));
  workspace = join(tmp, 'workspace');
  registry = await startRegistry(tmp);
}, 180_000);

afterAll(async () => {
  registry?.stop();
  for (const platform of PLATFORMS) await run(dockerCommand(), ['image', 'rm', '--force', tagOf(platform)], { reject: false });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('docker-push --merge against a real registry', () => {
  it('refuses to merge before every platform is pushed, writing nothing', async () => {
    writeWorkspace([]);
    const result = await push({ merge: true });
    expect(result.success).toBe(false);
    expect(result.lines.join('\n')).toMatch(
      new RegExp(`${registry.host}/${REPOSITORY}:1.1.0-local-min-amd64: not in the registry \\(variant 'local-min', linux/amd64\\)`),
    );
    expect(await registry.tags(REPOSITORY).catch(() => [])).toEqual([]);
  });

  it('pushes each platform under <tag>-<arch>, then merges each release tag into one list of both', async () => {
    for (const platform of PLATFORMS) {
      writeWorkspace([{ platform, imageId: await makeImage(platform) }]);
      const pushed = await push();
      expect(pushed.success, pushed.lines.join('\n')).toBe(true);
    }
    const tags = await registry.tags(REPOSITORY);
    for (const tag of ['1.1.0-local-min', '1.1-local-min', '1-local-min', 'latest-local-min'])
      expect(tags).toEqual(expect.arrayContaining([`${tag}-amd64`, `${tag}-arm64`]));
    expect(tags).not.toContain('1.1.0-local-min');

    const merged = await push({ merge: true });
    expect(merged.success, merged.lines.join('\n')).toBe(true);
    expect(merged.lines).toContain('docker-push base-image: 4 pushed, 0 unchanged.');
    const inspect = await run(dockerCommand(), ['manifest', 'inspect', '--insecure', `${registry.host}/${REPOSITORY}:1.1.0-local-min`]);
    const list = JSON.parse(inspect.stdout) as {
      mediaType: string;
      manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
    };
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual([...PLATFORMS]);
    expect(list.manifests.map((m) => m.digest)).toEqual([
      await registry.digest(REPOSITORY, '1.1.0-local-min-amd64'),
      await registry.digest(REPOSITORY, '1.1.0-local-min-arm64'),
    ]);

    const again = await push({ merge: true });
    expect(again.lines).toContain('docker-push base-image: 0 pushed, 4 unchanged.');
  });
});
