// Multi-arch for real: base-image's small local base (local-min) for amd64 and for arm64, the arm64 one built and
// booted through the smoke under qemu-user-static and binfmt_misc (scripts/setup.sh enables both, with the C flag sudo
// needs) by arm64-chain.ts, a job scripts/test.sh starts before everything else so its half hour of emulation overlaps
// the other suites (e2e/vitest.config.mts runs this file last); both pushed to a throwaway loopback registry under
// <tag>-<arch>, merged by docker-push --merge into one manifest list per tag, read back with docker manifest inspect.
// Needs: setup.sh's packages (docker-registry, qemu-user-static, binfmt-support, debootstrap), a running dockerd, root.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildResultFileOf, dockerCommand, run, type BuildResult } from '@vast/plugin/testing';
import { nx, repoRoot, withoutProjectPrefix } from '../support/local-base-image';
import { startRegistry, type RegistryServer } from '../support/registry-server';
import { arm64ChainResult, VARIANT, type Arm64ChainResult } from './arm64-chain';

const REPOSITORY = 'vastai/base-image';
const version = (JSON.parse(readFileSync(join(repoRoot, 'packages/images/base-image/package.json'), 'utf8')) as { version: string })
  .version;
const minor = version.split('.').slice(0, 2).join('.');
// Under emulation on a 2-core runner, alone: the arm64 root about 4 minutes, local-min's packages about 15, boot and
// smoke about 5; beside the other suites, longer. amd64's local-min builds natively in about 2 minutes.
const ARM64_JOB_TIMEOUT = 75 * 60_000;
const BUILD_TIMEOUT = 20 * 60_000;

let tmp: string;
let registry: RegistryServer;
let built: BuildResult;
let arm64Job: Arm64ChainResult;

/** Runs nx and fails with its output's tail unless it exits 0; returns the output without the project prefix. */
async function nxOk(args: string[], timeout = BUILD_TIMEOUT): Promise<string> {
  const started = Date.now();
  const result = await nx(args, timeout);
  const output = withoutProjectPrefix(`${result.stdout}\n${result.stderr}`);
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
    'builds local-min for linux/arm64 under emulation, boots it and passes the smoke',
    async () => {
      arm64Job = await arm64ChainResult(ARM64_JOB_TIMEOUT);
      const { build, smoke, buildTag } = arm64Job;
      console.log(`arm64 job: build ${build.seconds}s${smoke ? `, smoke ${smoke.seconds}s` : ''}`);
      expect(build.exitCode, build.output).toBe(0);
      expect(buildTag).toMatch(/^vastai\/base-image:build-[0-9a-f]{12}$/);
      expect(await architectureOf(buildTag!)).toBe('linux/arm64');
      // Built FROM its own local root, which local-root --platform made under emulation.
      expect(await architectureOf('vast-local/bookworm:latest-arm64')).toBe('linux/arm64');
      expect(smoke, 'the smoke did not run').toBeDefined();
      expect(smoke!.output, smoke!.output).not.toMatch(/^FAIL\b/m);
      expect(smoke!.output).toMatch(/^smoke: (\d+)\/\1 checks passed \(0 failing, 0 not applicable\)$/m);
      expect(smoke!.exitCode, smoke!.output).toBe(0);
    },
    ARM64_JOB_TIMEOUT + 60_000,
  );

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
      // The content tag the arm64 job built and smoke-tested in its scratch copy: the same inputs, so the same image.
      expect(arm64.buildTag).toBe(arm64Job.buildTag);
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
});
