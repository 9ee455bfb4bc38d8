// Multi-arch for real: base-image's small local base (local-min) built for amd64 and for arm64 (under qemu-user-static
// and binfmt_misc, which scripts/setup.sh enables), both pushed to a throwaway loopback registry under <tag>-<arch>,
// merged by docker-push --merge into one manifest list per tag, read back with docker manifest inspect; then the arm64
// image boots under emulation and passes the smoke. Needs: setup.sh's packages (docker-registry, qemu-user-static,
// binfmt-support, debootstrap), a running dockerd, root (debootstrap).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildResultFileOf, dockerCommand, run, type BuildResult } from '@vast/plugin/testing';
import { nx, repoRoot } from '../support/local-base-image';
import { startRegistry, type RegistryServer } from '../support/registry-server';

const REPOSITORY = 'vastai/base-image';
const VARIANT = 'local-min';
const version = (JSON.parse(readFileSync(join(repoRoot, 'packages/images/base-image/package.json'), 'utf8')) as { version: string })
  .version;
const minor = version.split('.').slice(0, 2).join('.');
// Under emulation on a 2-core runner: the arm64 root about 4 minutes, local-min's packages about 15, its boot a few.
const BUILD_TIMEOUT = 50 * 60_000;
const SMOKE_TIMEOUT = 25 * 60_000;

let tmp: string;
let registry: RegistryServer;
let built: BuildResult;

/** Runs nx and fails with its output's tail unless it exits 0; returns the output without the project prefix. */
async function nxOk(args: string[], timeout = BUILD_TIMEOUT): Promise<string> {
  const started = Date.now();
  const result = await nx(args, timeout);
  const output = `${result.stdout}\n${result.stderr}`.replace(/^base-image: /gm, '');
  console.log(`nx ${args.join(' ')}: exit ${result.exitCode} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  expect(result.exitCode, output.split('\n').slice(-80).join('\n')).toBe(0);
  return output;
}

/** nx run base-image:docker-push of local-min to the test's registry, with `extra` options. */
const pushVariant = (...extra: string[]) =>
  nxOk(['run', 'base-image:docker-push', '-c', 'local', `--variants=${VARIANT}`, `--registry=${registry.host}`, ...extra]);

const architectureOf = async (image: string) =>
  (await run(dockerCommand(), ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image])).stdout.trim();

beforeAll(async () => {
  if (!existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64') && process.arch !== 'arm64') {
    throw new Error('arm64 emulation is off: /proc/sys/fs/binfmt_misc/qemu-aarch64 is missing. Run bash scripts/setup.sh (as root).');
  }
  tmp = mkdtempSync(join(tmpdir(), 'multi-arch-e2e-'));
  registry = await startRegistry(tmp);
});

afterAll(() => {
  registry?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('multi-arch: the local base for amd64 and arm64 in one manifest list', () => {
  it(
    'builds local-min for each declared platform apart: its own content tag, an image of that architecture',
    async () => {
      await nxOk(['run', 'base-image:docker-build', '-c', 'local', `--variants=${VARIANT}`, '--platform=all']);
      built = JSON.parse(readFileSync(join(repoRoot, buildResultFileOf('base-image')), 'utf8')) as BuildResult;
      expect(built.variants.map((v) => [v.key, v.platform])).toEqual([
        [VARIANT, 'linux/amd64'],
        [VARIANT, 'linux/arm64'],
      ]);
      const [amd64, arm64] = built.variants;
      expect(amd64.buildTag).not.toBe(arm64.buildTag);
      expect(await architectureOf(amd64.buildTag)).toBe('linux/amd64');
      expect(await architectureOf(arm64.buildTag)).toBe('linux/arm64');
      // Each platform built FROM its own local root, made by local-root --platform.
      expect(await architectureOf('vast-local/bookworm:latest-arm64')).toBe('linux/arm64');
    },
    BUILD_TIMEOUT,
  );

  it('pushes each platform under <tag>-<arch>, then merges every release tag into one list that lists both', async () => {
    const push = await pushVariant();
    expect(push).toMatch(new RegExp(`pushed\\s+${registry.host}/${REPOSITORY}:${version}-${VARIANT}-arm64`));
    const tags = await registry.tags(REPOSITORY);
    for (const arch of ['amd64', 'arm64']) expect(tags).toContain(`${version}-${VARIANT}-${arch}`);
    expect(tags).not.toContain(`${version}-${VARIANT}`);

    const merge = await pushVariant('--merge');
    expect(merge).toMatch(/docker-push base-image: 4 pushed, 0 unchanged\./);
    for (const tag of [`${version}-${VARIANT}`, `${minor}-${VARIANT}`, `latest-${VARIANT}`]) {
      const inspect = await run(dockerCommand(), ['manifest', 'inspect', '--insecure', `${registry.host}/${REPOSITORY}:${tag}`]);
      const list = JSON.parse(inspect.stdout) as {
        mediaType: string;
        manifests: Array<{ digest: string; platform: { architecture: string; os: string } }>;
      };
      expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
      expect(list.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
      // Each entry is the very manifest the one-platform push left under <tag>-<arch>.
      expect(list.manifests.map((m) => m.digest)).toEqual([
        await registry.digest(REPOSITORY, `${tag}-amd64`),
        await registry.digest(REPOSITORY, `${tag}-arm64`),
      ]);
    }

    // A re-run finds every list already there.
    const again = await pushVariant('--merge');
    expect(again).toMatch(/docker-push base-image: 0 pushed, 4 unchanged\./);
  });

  it(
    'boots the arm64 image under emulation and passes the smoke',
    async () => {
      const arm64 = built.variants.find((v) => v.platform === 'linux/arm64')!;
      const output = await nxOk(['run', 'base-image:smoke', '-c', 'local', `--image=${arm64.buildTag}`, '--timeoutSeconds=900']);
      expect(output, output).not.toMatch(/^FAIL\b/m);
      expect(output).toMatch(/^smoke: (\d+)\/\1 checks passed \(0 failing, 0 not applicable\)$/m);
      // The container really ran arm64 programs.
      expect(await architectureOf(arm64.buildTag)).toBe('linux/arm64');
    },
    SMOKE_TIMEOUT,
  );
});
