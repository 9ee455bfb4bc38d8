// Which local image goes to which registry reference, in the order they are written, and, given what the registry
// holds now, which of them to push, which are already there, and whether the push may start at all. Pure.
import { platformTag, releaseTags } from '@vast/conventions';
import type { BuildResult } from '../../../lib/build-result';

/**
 * `content`: the private staging tag that carries a variant's layers and manifest into the registry before any release
 * tag is written. `exact`: the version tag (`1.4.2-v`), which names one image forever. `alias`: a moving tag (`1.4-v`,
 * `1-v`, `latest-v`).
 */
export type PushRole = 'content' | 'exact' | 'alias';

export interface PushStep {
  variant: string;
  /** The platform of a one-platform build: its tags end in `-<arch>` until docker-push --merge joins them. */
  platform?: 'linux/amd64' | 'linux/arm64';
  /** The local content-addressed tag the release comes from. */
  source: string;
  imageId: string;
  /** `registry/repository:tag` */
  target: string;
  role: PushRole;
}

/**
 * The staging tag of an image: named after its image id (the config digest), so it only ever names that image and a
 * re-run finds it again. It is not a release tag; nothing resolves it but this push.
 */
export const stagingTag = (imageId: string) => `staging-${imageId.replace(/^sha256:/, '')}`;
/** `registry/repository` of a full `registry/repository:tag` reference. */
const repositoryOf = (reference: string) => reference.slice(0, reference.lastIndexOf(':'));

/**
 * Every variant's content first (its staging tag), then every exact version tag, then the moving aliases, then each
 * variant's extra names (a manual build's --tag from the build record, then `extraTags`: upstream's), which move like aliases: upstream re-points a
 * dated tag when it rebuilds that day, and `-auto` last. If a push fails while layers move, no release tag exists yet;
 * if it fails while tags are written, what reached the registry is exact tags only: no `latest-*` or `1.4-*` moved to
 * a release that is not complete.
 */
export function planPush(result: BuildResult, registry: string, extraTags: ReadonlyMap<string, string[]> = new Map()): PushStep[] {
  // A manual build with --arg overrides is not the release of its version: it gets no semver tag, only its extra names.
  const manual = Object.keys(result.overrides ?? {}).length > 0;
  const steps = result.variants.map((variant) => {
    const [exact, ...semverAliases] = releaseTags({
      registry,
      repository: result.repository,
      version: result.version,
      variant: variant.key,
    });
    const aliases = manual ? [] : semverAliases;
    // A one-platform build's record already carries its -<arch> extra names; the computed names get it here.
    const onPlatform = (tag: string) => (variant.platform ? platformTag(tag, variant.platform) : tag);
    const extra = [
      ...(variant.extraTags ?? []).map((ref) => ref.slice(ref.lastIndexOf(':') + 1)),
      ...(extraTags.get(variant.key) ?? []).map(onPlatform),
    ];
    const base = {
      variant: variant.key,
      ...(variant.platform ? { platform: variant.platform } : {}),
      source: variant.buildTag,
      imageId: variant.imageId,
    };
    return {
      content: { ...base, target: `${repositoryOf(exact)}:${stagingTag(variant.imageId)}`, role: 'content' as const },
      exact: manual ? [] : [{ ...base, target: onPlatform(exact), role: 'exact' as const }],
      aliases: aliases.map((target) => ({ ...base, target: onPlatform(target), role: 'alias' as const })),
      extra: extra.map((tag) => ({ ...base, target: `${repositoryOf(exact)}:${tag}`, role: 'alias' as const })),
    };
  });
  return [
    ...steps.map((s) => s.content),
    ...steps.flatMap((s) => s.exact),
    ...steps.flatMap((s) => s.aliases),
    ...steps.flatMap((s) => s.extra),
  ];
}

/** What the registry holds under a reference, as the checks found it before anything moved. */
export type RemoteState =
  | { kind: 'absent' }
  /** The same image (its config digest is the local image id); `digest` is the manifest's. */
  | { kind: 'same'; digest: string }
  /** Another image; `configDigest` is missing for a manifest list (several platforms, no single image). */
  | { kind: 'different'; digest: string; configDigest?: string }
  /** The registry did not answer in a way that says (unreachable, refused, unparseable): `reason` is its words. */
  | { kind: 'unknown'; reason: string };

export interface PushAction {
  step: PushStep;
  /** `push`: tag and push it; `unchanged`: the registry already has this image there. */
  action: 'push' | 'unchanged';
  /** The manifest digest already there, for `unchanged`. */
  digest?: string;
}

export type PushDecision = { ok: true; actions: PushAction[] } | { ok: false; errors: string[] };

/**
 * Decides the whole push from the registry's answers before a byte moves. Refuses, naming every problem, when an exact
 * version tag already names another image (it is never overwritten) or the registry's answer for any reference is
 * unknown. A variant whose tags are all there already needs no content push.
 */
export function decidePush(steps: PushStep[], states: ReadonlyMap<string, RemoteState>, rerun: string): PushDecision {
  const errors: string[] = [];
  const stateOf = (step: PushStep): RemoteState => states.get(step.target) ?? { kind: 'unknown', reason: 'not looked up' };
  for (const step of steps) {
    const state = stateOf(step);
    if (state.kind === 'unknown') {
      errors.push(
        `${step.target}: cannot tell what the registry holds there (${state.reason}). Check that the registry is up and reachable (docker login if it needs credentials), then ${rerun}.`,
      );
    } else if (state.kind === 'different' && step.role === 'exact') {
      const there = state.configDigest
        ? `manifest ${state.digest} of image ${state.configDigest}`
        : `manifest list ${state.digest} (several platforms, not this image)`;
      errors.push(
        `${step.target}: the exact version tag already names ${there}; this build is image ${step.imageId}. An exact version tag names one image forever, so it is not overwritten. Release this build under a new version (npx changeset, then npm run release), or, if the registry's image is the wrong one, delete that tag in the registry first.`,
      );
    }
  }
  if (errors.length) return { ok: false, errors };

  const needsPush = (step: PushStep) => stateOf(step).kind !== 'same';
  const variantsToStage = new Set(steps.filter((s) => s.role !== 'content' && needsPush(s)).map((s) => s.source));
  const actions = steps
    .filter((step) => step.role !== 'content' || variantsToStage.has(step.source))
    .map((step): PushAction => {
      const state = stateOf(step);
      return state.kind === 'same' ? { step, action: 'unchanged', digest: state.digest } : { step, action: 'push' };
    });
  return { ok: true, actions };
}
