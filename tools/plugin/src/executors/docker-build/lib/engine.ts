// The Docker engine calls docker-build makes: is it there, does an image exist, build, tag.
import { run, CommandError } from '../../../utils/exec';

export class EngineError extends Error {}

export async function assertEngine(): Promise<void> {
  const result = await run('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false });
  if (result.exitCode === 127) throw new EngineError('docker: the docker CLI is not installed. Install it: apt-get install -y docker.io.');
  if (result.exitCode !== 0) {
    throw new EngineError(
      `docker: no Docker engine answers (${(result.stderr.split('\n').find((l) => l.trim()) ?? '').trim()}). Start one: dockerd >/var/log/dockerd.log 2>&1 & (or systemctl start docker), then run again.`,
    );
  }
}

/** The image id of `ref`, or undefined when the engine does not have it. */
export async function imageId(ref: string): Promise<string | undefined> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function tagImage(source: string, target: string): Promise<void> {
  await run('docker', ['tag', source, target]);
}

export async function dockerBuild(argv: string[]): Promise<void> {
  try {
    // Plain progress: every step and its output, readable in CI logs and when a step fails.
    await run('docker', [argv[0], '--progress=plain', ...argv.slice(1)], { stdio: 'inherit', env: { ...process.env, DOCKER_BUILDKIT: '1' } });
  } catch (e) {
    if (e instanceof CommandError) throw new EngineError(`docker build failed (exit ${e.result.exitCode}); the failing step and its output are above.`);
    throw e;
  }
}
