// The Docker engine calls only docker-build makes: the build itself, sharing a build through the cache registry, and --prune.
import { run, CommandError } from '../../../utils/exec';
import { pushArgv, untagArgv } from '../../../utils/docker-commands';
import { dockerCommand, DockerError, tagImage } from '../../../utils/docker';
import { createdArgv, listBuildTagsArgv, parseCreated, planPrune } from './prune';

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

/**
 * Untags all but the `keep` newest build tags of one variant (`protect`: this run's builds, always kept); an image left
 * with no tag is removed with it. A tag the engine will not remove (a container uses the image) costs a warning.
 * Returns the tags it untagged.
 */
export async function pruneBuildTags(
  repository: string,
  image: string,
  variant: string,
  keep: number,
  protect: ReadonlySet<string>,
  warn: (line: string) => void,
): Promise<string[]> {
  const listed = await run(dockerCommand(), listBuildTagsArgv(repository, image, variant));
  const refs = listed.stdout.split('\n').filter(Boolean);
  if (refs.length <= keep) return [];
  const created = await run(dockerCommand(), createdArgv(refs));
  const untagged: string[] = [];
  for (const ref of planPrune(parseCreated(refs, created.stdout), keep, protect)) {
    const result = await run(dockerCommand(), untagArgv(ref), { reject: false });
    if (result.exitCode === 0) untagged.push(ref);
    else warn(`could not untag ${ref}: ${(result.stderr || result.stdout).trim().split('\n').pop()}`);
  }
  return untagged;
}
