// docker-push --merge, the plan: each release tag becomes one manifest list of the per-platform images that
// one-platform pushes left under `<tag>-<arch>` (upstream's merge-arch-manifests, §4.3). Pure: the caller reads the
// registry and writes the lists.
import { archOf, isPlatform, platformTag, type Platform } from '@vast/conventions';
import type { PushStep } from './plan-push';

export interface MergeStep extends PushStep {
  /** The per-platform sources, in the order the list names them. */
  sources: { platform: Platform; ref: string }[];
}

/** A per-platform image as the registry serves it: what a manifest list entry names. */
export interface PlatformManifest {
  mediaType: string;
  digest: string;
  size: number;
  /** From the image's config: checked against the platform its tag claims. */
  architecture?: string;
  os?: string;
}

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/**
 * The merge steps of a push plan made from image.json (no build: the merge job joins what the platform jobs pushed):
 * every release tag of a variant that declares platforms, from `<tag>-<arch>` of each. Variants without platforms
 * were pushed under their own names and are left out, as are the content (staging) tags.
 */
export function planMerge(steps: PushStep[], platformsOf: (variant: string) => readonly string[] | undefined): MergeStep[] {
  return steps
    .filter((step) => step.role !== 'content')
    .flatMap((step) => {
      const platforms = (platformsOf(step.variant) ?? []).filter(isPlatform);
      if (!platforms.length) return [];
      return [
        {
          ...step,
          source: platforms.map((p) => platformTag(step.target, p)).join(' + '),
          sources: platforms.map((platform) => ({ platform, ref: platformTag(step.target, platform) })),
        },
      ];
    });
}

/**
 * The bytes of the list a merge step writes: one entry per platform, in the step's order, so the same sources give
 * the same digest (a re-run finds the tag unchanged). A Docker manifest list over Docker manifests, else an OCI index.
 */
export function renderManifestList(
  step: MergeStep,
  manifests: ReadonlyMap<string, PlatformManifest>,
): { mediaType: string; bytes: string } {
  const entries = step.sources.map(({ platform, ref }) => {
    const m = manifests.get(ref) as PlatformManifest;
    return { mediaType: m.mediaType, digest: m.digest, size: m.size, platform: { architecture: archOf(platform), os: 'linux' } };
  });
  const mediaType = entries.every((e) => e.mediaType === DOCKER_MANIFEST) ? DOCKER_MANIFEST_LIST : OCI_INDEX;
  return { mediaType, bytes: `${JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }, null, 2)}\n` };
}

/** Every source a merge needs that is missing or is not the platform its tag names: nothing is written unless empty. */
export function checkMergeSources(
  steps: MergeStep[],
  manifests: ReadonlyMap<string, PlatformManifest | undefined>,
  pushHint: string,
): string[] {
  const problems = new Set<string>();
  for (const step of steps) {
    for (const { platform, ref } of step.sources) {
      const m = manifests.get(ref);
      if (!m) problems.add(`${ref}: not in the registry (variant '${step.variant}', ${platform}). ${pushHint}`);
      else if (m.architecture !== archOf(platform) || (m.os ?? 'linux') !== 'linux')
        problems.add(
          `${ref}: is a ${m.os ?? '?'}/${m.architecture ?? '?'} image, not ${platform}. Rebuild it with docker-build --platform ${platform} and push it again.`,
        );
    }
  }
  return [...problems];
}
