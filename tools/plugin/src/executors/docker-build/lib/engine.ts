// The Docker engine calls docker-build makes beyond utils/docker: the image id, tagging, and the build itself.
import { run, CommandError } from '../../../utils/exec';
import { inspectIdsArgv, pullArgv, pushArgv, remoteManifestArgv, tagArgv, untagArgv } from '../../../utils/docker-commands';
import { assertDockerEngine, dockerCommand, DockerError } from '../../../utils/docker';

export { assertDockerEngine as assertEngine, DockerError as EngineError } from '../../../utils/docker';

/**
 * The image ids of `refs` (one docker call: a no-op re-run is mostly these lookups), undefined for a ref the engine
 * does not have. Any other failure (no engine, no CLI) is reported the way assertDockerEngine words it.
 */
export async function imageIds(...refs: string[]): Promise<Array<string | undefined>> {
  const result = await run(dockerCommand(), inspectIdsArgv(refs), { reject: false });
  if (result.exitCode !== 0 && !/no such image/i.test(result.stderr)) {
    await assertDockerEngine();
    throw new DockerError(`docker image inspect failed: ${result.stderr.trim()}`);
  }
  const found = result.stdout.split('\n').filter(Boolean).map((line) => {
    const space = line.indexOf(' ');
    return { id: line.slice(0, space), tags: JSON.parse(line.slice(space + 1) || '[]') as string[] };
  });
  return refs.map((ref) => found.find((f) => f.tags.includes(ref) || f.id === ref || f.tags.includes(`${ref}:latest`))?.id);
}

/** The image id of `ref`, or undefined when the engine does not have it. */
export async function imageId(ref: string): Promise<string | undefined> {
  return (await imageIds(ref))[0];
}

export async function tagImage(source: string, target: string): Promise<void> {
  await run(dockerCommand(), tagArgv(source, target));
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

/**
 * Pulls `remote` and tags it `local` (dropping the remote name); false when the registry does not have it or cannot
 * be reached, and the caller builds instead.
 */
export async function pullAs(remote: string, local: string): Promise<boolean> {
  const result = await run(dockerCommand(), pullArgv(remote), { reject: false });
  if (result.exitCode !== 0) return false;
  await tagImage(remote, local);
  await run(dockerCommand(), untagArgv(remote), { reject: false });
  return true;
}

/** Whether the registry already holds `ref` (a manifest lookup, no layers move). */
export async function remoteHas(ref: string): Promise<boolean> {
  const result = await run(dockerCommand(), remoteManifestArgv(ref, true), { reject: false });
  return result.exitCode === 0;
}

/** Tags `source` as `target` and pushes it; returns the failure text, or undefined on success. */
export async function pushAs(source: string, target: string): Promise<string | undefined> {
  await tagImage(source, target);
  const result = await run(dockerCommand(), pushArgv(target), { reject: false });
  await run(dockerCommand(), untagArgv(target), { reject: false });
  return result.exitCode === 0 ? undefined : (result.stderr || result.stdout).trim().split('\n').pop();
}
