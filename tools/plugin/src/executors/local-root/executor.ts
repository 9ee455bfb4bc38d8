// local-root: makes the local Debian image that `local` variants build FROM (debootstrap + docker import).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, run, CommandError } from '../../utils/exec';
import { assertDockerEngine, dockerCommand, DockerError, imageExists } from '../../utils/docker';
import { normalizeLocalRootOptions, planLocalRoot } from './lib/plan-local-root';
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
    if (!opts.force && (await imageExists(opts.image))) {
      say(`${opts.image} already exists, skipped (force: true rebuilds it)`);
      return { success: true };
    }
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new LocalRootError('debootstrap must run as root (it creates device nodes and chroots). Run as root or under sudo.');
    }

    workDir = mkdtempSync(join(tmpdir(), 'vast-local-root-'));
    const steps = planLocalRoot(opts, workDir, docker);
    const started = Date.now();
    for (const [i, step] of steps.entries()) {
      say(`[${i + 1}/${steps.length}] ${step.label}`);
      try {
        await run(step.command, step.args, { stdio: 'inherit' });
      } catch (e) {
        if (e instanceof CommandError) {
          throw new LocalRootError(
            `step ${i + 1}/${steps.length} (${step.label}) failed: ${step.command} exited with ${e.result.exitCode}; its output is above.`,
          );
        }
        throw e;
      }
    }
    say(`${opts.image} ready in ${((Date.now() - started) / 1000).toFixed(0)}s`);
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
