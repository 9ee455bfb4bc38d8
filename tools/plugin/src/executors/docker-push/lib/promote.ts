// Promotion (docker-push --promoteFrom=<staging registry>): the release tags get the very manifest a staging push left
// there and smoke tested, copied inside the registry by digest. Nothing is built, pulled or pushed from the engine.
// The plan is pure (planPromotion); reading the staged digests and copying are the I/O.
import { repositoryInNamespace } from '@vast/conventions';
import { lookupRemote } from '../../../utils/docker';
import { parseRemoteManifest } from '../../../utils/docker-commands';
import { copyManifestByDigest, splitRepository } from './registry-copy';
import { stagingTag, type PushAction, type PushStep } from './plan-push';
import type { PushReport } from './push-release';
import { applyInOrder } from './apply-in-order';

/**
 * The release steps of a push plan, each taking its content from the variant's staged content tag in `stagingRegistry`
 * (`<staging>/<repository>:staging-<image id>`, which the staging push wrote and which names only that image), the
 * repository in `stagingNamespace` when the staging push swapped it (`--namespace`, upstream's staging namespace). The
 * production registry gets no content tag of its own: the blobs are mounted from staging.
 */
export function planPromotion(steps: PushStep[], registry: string, stagingRegistry: string, stagingNamespace?: string): PushStep[] {
  return steps
    .filter((step) => step.role !== 'content')
    .map((step) => {
      const repository = step.target.slice(registry.length + 1, step.target.lastIndexOf(':'));
      const staged = stagingNamespace ? repositoryInNamespace(repository, stagingNamespace) : repository;
      return { ...step, source: `${stagingRegistry}/${staged}:${stagingTag(step.imageId)}` };
    });
}

/**
 * The manifest digest staging holds for each step's source, checked to be the built image (its config digest is the
 * image id docker-build recorded): a promotion copies only what this build staged. Returns the digests or the problems.
 */
export async function readStagedDigests(
  steps: PushStep[],
  insecure: boolean,
  stageHint: string,
): Promise<{ digests: Map<string, string>; problems: string[] }> {
  const digests = new Map<string, string>();
  const problems: string[] = [];
  for (const step of steps) {
    if (digests.has(step.source) || problems.some((p) => p.startsWith(`${step.source}:`))) continue;
    const lookup = await lookupRemote(step.source, insecure);
    const manifest = lookup.kind === 'found' ? parseRemoteManifest(lookup.stdout) : undefined;
    if (lookup.kind === 'absent') problems.push(`${step.source}: not staged (variant '${step.variant}'). ${stageHint}`);
    else if (!manifest) problems.push(`${step.source}: cannot tell what staging holds there. Check the staging registry, then run again.`);
    else if (manifest.configDigest !== step.imageId)
      problems.push(
        `${step.source}: staging holds image ${manifest.configDigest ?? '(a manifest list)'}, not this build's ${step.imageId}. ${stageHint}`,
      );
    else digests.set(step.source, manifest.digest);
  }
  return { digests, problems };
}

/** Performs the decided promotion in order (exact tags, then aliases); stops at the first failure, as a push does. */
export async function applyPromotion(
  actions: PushAction[],
  digests: ReadonlyMap<string, string>,
  { log }: { log: (line: string) => void },
): Promise<PushReport> {
  const stagedDigest = (step: PushStep) => digests.get(step.source) as string;
  const repositoryOf = (reference: string) => reference.slice(0, reference.lastIndexOf(':'));
  return applyInOrder(actions, {
    log,
    announce: (step) => `promoting  ${step.target} <- ${repositoryOf(step.source)}@${stagedDigest(step)}`,
    write: (step) =>
      copyManifestByDigest(splitRepository(repositoryOf(step.source)), stagedDigest(step), {
        ...splitRepository(repositoryOf(step.target)),
        tag: step.target.slice(step.target.lastIndexOf(':') + 1),
      }),
  });
}
