// local-root: makes the local Debian image that `local` variants build FROM (debootstrap + docker import), or its
// one-platform copy for docker-build --platform (debootstrap --arch, then a BuildKit build for that platform).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, run, CommandError } from '../../utils/exec';
import { assertDockerEngine, dockerCommand, DockerError, imageExists } from '../../utils/docker';
import { archOf } from '@vast/conventions';
import { localRootImageOf, normalizeLocalRootOptions, PLATFORM_ROOT_DOCKERFILE, planLocalRoot } from './lib/plan-local-root';
import type { LocalRootExecutorOptions } from './schema';
import { logger } from '@nx/devkit';

class LocalRootError extends Error {}

export default async function localRootExecutor(options: LocalRootExecutorOptions): Promise<{ success: boolean }> {
  const opts = normalizeLocalRootOptions(options, process.env);
  const docker = dockerCommand();
  const say = (line: string) => logger.log(`local-root: ${line}`);

  if (opts.dryRun) {
    for (const step of planLocalRoot(opts, '<tmp>', docker)) say(`${step.label}\n  ${[step.command, ...step.args].join(' ')}`);
    return { success: true };
  }

  let workDir: string | undefined;
  try {
    if (!(await hasCommand('debootstrap'))) {
      throw new LocalRootError('debootstrap is not installed. Install it: apt-get install -y debootstrap');
    }
    await assertDockerEngine();
    const target = localRootImageOf(opts);
    if (!opts.force && (await imageExists(target))) {
      say(`${target} already exists, skipped (force: true rebuilds it)`);
      return { success: true };
    }
    if (opts.platform && !opts.force && (await engineArchitecture(opts.image)) === archOf(opts.platform)) {
      // The engine's own architecture: the root it already has is that platform's; one more name costs nothing.
      await run(docker, ['tag', opts.image, target]);
      say(`${target}: tagged ${opts.image}, which is already ${archOf(opts.platform)}`);
      return { success: true };
    }
    if (opts.platform) assertEmulation(archOf(opts.platform), await engineArchitecture());
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new LocalRootError('debootstrap must run as root (it creates device nodes and chroots). Run as root or under sudo.');
    }

    workDir = mkdtempSync(join(tmpdir(), 'vast-local-root-'));
    if (opts.platform) {
      mkdirSync(join(workDir, 'context'));
      writeFileSync(join(workDir, 'context', 'Dockerfile'), PLATFORM_ROOT_DOCKERFILE);
    }
    const steps = planLocalRoot(opts, workDir, docker);
    const started = Date.now();
    for (const [i, step] of steps.entries()) {
      say(`[${i + 1}/${steps.length}] ${step.label}`);
      try {
        await run(step.command, step.args, { stdio: 'inherit', ...(step.env ? { env: { ...process.env, ...step.env } } : {}) });
      } catch (e) {
        if (e instanceof CommandError) {
          throw new LocalRootError(
            `step ${i + 1}/${steps.length} (${step.label}) failed: ${step.command} exited with ${e.result.exitCode}; its output is above.`,
          );
        }
        throw e;
      }
    }
    say(`${target} ready in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    return { success: true };
  } catch (e) {
    if (e instanceof LocalRootError || e instanceof DockerError) {
      logger.error(`local-root: ${e.message}`);
      return { success: false };
    }
    throw e;
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/** The architecture of `image` in the engine, or of the engine itself without one; undefined when it cannot tell. */
async function engineArchitecture(image?: string): Promise<string | undefined> {
  const argv = image ? ['image', 'inspect', '--format', '{{.Architecture}}', image] : ['version', '--format', '{{.Server.Arch}}'];
  const result = await run(dockerCommand(), argv, { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** qemu's name of each architecture, as binfmt-support registers its interpreter (`/proc/sys/fs/binfmt_misc/qemu-<name>`). */
const QEMU_NAMES: Record<string, string> = { arm64: 'aarch64', amd64: 'x86_64' };

/** A foreign architecture's programs (debootstrap's second stage, every RUN of a build) need qemu registered with binfmt_misc. */
function assertEmulation(arch: string, engineArch: string | undefined): void {
  if (arch === engineArch) return;
  const entry = `/proc/sys/fs/binfmt_misc/qemu-${QEMU_NAMES[arch]}`;
  if (!existsSync(entry)) {
    throw new LocalRootError(
      `${arch} programs cannot run on this ${engineArch ?? 'unknown'} machine: ${entry} is missing. Run bash scripts/setup.sh (it installs qemu-user-static and binfmt-support, mounts binfmt_misc and enables them), then run again.`,
    );
  }
}
