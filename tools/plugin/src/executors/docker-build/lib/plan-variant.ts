// What docker-build does for one planned variant, decided from what the engine and the cache registry hold. Pure:
// the executor gathers the facts, calls planVariant, and performs the actions in order.
import type { PlannedBuild } from '@vast/conventions';

/** What is known about one variant before anything is done to it. */
export interface VariantFacts {
  /** The engine's image id under the build tag, and under the version tag (not asked with --force). */
  engine: { buildTagId?: string; versionTagId?: string };
  /** What the cache registry serves under `<cacheRegistry>/<buildTag>` (asked only with a cache registry, not with --force). */
  cached?: { configDigest?: string };
}

export interface VariantPlanOptions {
  /** host[/namespace] of the cache registry, if builds are shared. */
  cacheRegistry?: string;
  /** Build even when the build tag exists. */
  force: boolean;
  /** Pull a build found in the cache registry now, instead of leaving it there. */
  pull: boolean;
}

/** A variant of the parent to have in the engine before building FROM it (pulled from the cache registry if left there). */
export interface ParentRef {
  key: string;
  image: string;
  variant: string;
  buildTag: string;
  cacheRef?: string;
}

export type VariantAction =
  /** Already in the engine under its content tag: nothing to build. */
  | { kind: 'skip'; buildTag: string; imageId: string }
  /** Found in the cache registry and left there: recorded with its cacheRef, pulled later only by what needs it. */
  | { kind: 'use-cached'; cacheRef: string; imageId: string }
  /** Try the cache registry's copy. When it arrives, the variant is done and the actions after this one are not performed. */
  | { kind: 'pull-cached'; cacheRef: string; buildTag: string; tags: string[] }
  /** The parent must be in the engine to build FROM it. */
  | { kind: 'pull-parent'; parent: ParentRef }
  | { kind: 'build'; buildTag: string; argv: string[] }
  /** Point the version tag at the content tag. */
  | { kind: 'tag'; source: string; target: string }
  /** Push the content tag to the cache registry for other runners. */
  | { kind: 'share'; buildTag: string; cacheRef: string };

export const cacheRefOf = (cacheRegistry: string | undefined, buildTag: string) =>
  cacheRegistry ? `${cacheRegistry}/${buildTag}` : undefined;

export function planVariant(build: PlannedBuild, facts: VariantFacts, options: VariantPlanOptions): VariantAction[] {
  const cacheRef = cacheRefOf(options.cacheRegistry, build.buildTag);
  const tagAs = (target: string): VariantAction => ({ kind: 'tag', source: build.buildTag, target });
  // An overridden build has no version tag of its own (versionTag is its buildTag); a manual build's --tag names move each run.
  const versionTags = build.versionTag === build.buildTag ? [] : [build.versionTag];
  const versionTag = versionTags.map(tagAs);
  const extra = build.extraTags.map(tagAs);
  const tag = [...versionTag, ...extra];
  const share: VariantAction[] = cacheRef ? [{ kind: 'share', buildTag: build.buildTag, cacheRef }] : [];
  const id = options.force ? undefined : facts.engine.buildTagId;

  if (id) {
    return [
      { kind: 'skip', buildTag: build.buildTag, imageId: id },
      ...(facts.engine.versionTagId !== id ? versionTag : []),
      ...extra,
      // A build made before the cache registry was set, or by a runner whose push failed: share it now.
      ...(facts.cached ? [] : share),
    ];
  }
  const cached = cacheRef && !options.force ? facts.cached : undefined;
  // Built before, elsewhere: one manifest lookup proves it. Its layers move only when something here needs them
  // (a child building FROM it, smoke, docker-push, or --pull), so an unchanged image costs no download.
  if (cacheRef && cached?.configDigest && !options.pull) return [{ kind: 'use-cached', cacheRef, imageId: cached.configDigest }];

  const pullCached: VariantAction[] =
    cacheRef && cached ? [{ kind: 'pull-cached', cacheRef, buildTag: build.buildTag, tags: [...versionTags, ...build.extraTags] }] : [];
  const parent: VariantAction[] = build.parent
    ? [
        {
          kind: 'pull-parent',
          parent: {
            ...build.parent,
            key: `${build.parent.image}:${build.parent.variant}`,
            cacheRef: cacheRefOf(options.cacheRegistry, build.parent.buildTag),
          },
        },
      ]
    : [];
  return [...pullCached, ...parent, { kind: 'build', buildTag: build.buildTag, argv: build.argv }, ...tag, ...share];
}

/**
 * `--arg KEY=VALUE` (repeatable; Nx gives one string or a list) as a record. The value may hold '=' and ','. Whether
 * KEY is a build arg of the image is the build plan's check (it knows the image's args).
 */
export function parseArgOverrides(
  raw: string | string[] | undefined,
): { ok: true; overrides: Record<string, string> } | { ok: false; error: string } {
  const overrides: Record<string, string> = {};
  for (const item of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      return {
        ok: false,
        error: `--arg '${item}': expected KEY=VALUE with an UPPER_SNAKE_CASE build arg name, e.g. --arg COMFYUI_REF=v0.3.75.`,
      };
    }
    if (name in overrides)
      return { ok: false, error: `--arg ${name}: given twice ('${overrides[name]}' and '${item.slice(eq + 1)}'). Pass it once.` };
    overrides[name] = item.slice(eq + 1);
  }
  return { ok: true, overrides };
}
