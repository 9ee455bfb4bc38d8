// The Docker engine calls docker-build makes beyond utils/docker: the image id, tagging, and the build itself.
import { run, CommandError } from '../../../utils/exec';
import { dockerCommand, DockerError } from '../../../utils/docker';

export { assertDockerEngine as assertEngine, DockerError as EngineError } from '../../../utils/docker';

/** The image id of `ref`, or undefined when the engine does not have it. */
export async function imageId(ref: string): Promise<string | undefined> {
  const result = await run(dockerCommand(), ['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function tagImage(source: string, target: string): Promise<void> {
  await run(dockerCommand(), ['tag', source, target]);
}

export async function dockerBuild(argv: string[]): Promise<void> {
  try {
    // Plain progress: every step and its output, readable in CI logs and where a step fails.
    await run(dockerCommand(), [argv[0], '--progress=plain', ...argv.slice(1)], { stdio: 'inherit', env: { ...process.env, DOCKER_BUILDKIT: '1' } });
  } catch (e) {
    if (e instanceof CommandError) throw new DockerError(`docker build failed (exit ${e.result.exitCode}); the failing step and its output are above.`);
    throw e;
  }
}
