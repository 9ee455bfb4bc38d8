// The Docker engine calls only docker-build makes: the build itself and sharing a build through the cache registry.
import { run, CommandError } from '../../../utils/exec';
import { pushArgv, untagArgv } from '../../../utils/docker-commands';
import { dockerCommand, DockerError, tagImage } from '../../../utils/docker';

export async function dockerBuild(argv: string[]): Promise<void> {
  try {
    // Plain progress: every step and its output, readable in CI logs and where a step fails.
    await run(dockerCommand(), [argv[0], '--progress=plain', ...argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, DOCKER_BUILDKIT: '1' },
    });
  } catch (e) {
    if (e instanceof CommandError)
      throw new DockerError(`docker build failed (exit ${e.result.exitCode}); the failing step and its output are above.`);
    throw e;
  }
}

/** Tags `source` as `target` and pushes it; returns the failure text, or undefined on success. */
export async function pushAs(source: string, target: string): Promise<string | undefined> {
  await tagImage(source, target);
  const result = await run(dockerCommand(), pushArgv(target), { reject: false });
  await run(dockerCommand(), untagArgv(target), { reject: false });
  return result.exitCode === 0 ? undefined : (result.stderr || result.stdout).trim().split('\n').pop();
}
