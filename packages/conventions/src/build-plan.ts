// The resolved metadata of an assembled context (image.json), content hashes, and the docker build plan.
// Everything is computed from arguments: the plugin gathers file contents and image ids and passes them in.
import { createHash } from 'node:crypto';
import { BASE_ARG, PARENT_ARG, UPSTREAM_ARG, VAST_BASE_ARG, variantBuildArgs } from './dockerfile';
import { PROFILE_ARG } from './step-script';
import { validateTag, versionTags } from './tags';
import { resolveVariantFacts, rootFromOf } from './variant-facts';
import type { UpstreamTagScheme } from './upstream-tags';
import { shellQuote } from './text';
import type { ResolvedImage } from './graph';
import type { ImageClass } from './schema';
import { buildPlatformsOf, platformRootRef, platformTag } from './platforms';
import type { Platform } from './base-matrix';

export type BuildProfile = 'production' | 'local';

export interface ManifestVariant {
  key: string;
  parent?: string;
  local: boolean;
  /** Built and pushed only when named (image.ts `onDemand`). */
  onDemand?: true;
  from?: string;
  upstream?: string;
  /** A derivative's: the FROM at the top of its chain (upstream's pytorch tags name its CUDA and Ubuntu). */
  root?: string;
  /** Build args, resolved: image defaults, facts and the variant's own. */
  args: Record<string, string>;
  cuda?: string;
  python?: string;
  torch?: string;
  torchBackend?: string;
  platforms?: string[];
}

/** dist/images/<name>/image.json */
export interface ImageManifest {
  name: string;
  class: ImageClass;
  repository: string;
  version: string;
  parent?: string;
  /** Where the definition lives, relative to the workspace root. */
  source: string;
  /** sha256 over every file of the assembled context (path, mode, content). */
  contextHash: string;
  /** Which of upstream's tag names its releases get (image.ts `upstreamTags`, or its class's default). */
  upstreamTags: UpstreamTagScheme;
  variants: ManifestVariant[];
}

/** image.ts `upstreamTags`, or the default of the class: a base's dated tags, an external image's upstream version. */
export function upstreamTagSchemeOf(def: Pick<ResolvedImage['definition'], 'class' | 'upstreamTags'>): UpstreamTagScheme {
  return def.upstreamTags ?? { scheme: def.class === 'base' ? 'base' : def.class === 'external' ? 'upstream-version' : 'none' };
}

export interface HashedFile {
  path: string;
  mode: number;
  content: Uint8Array | string;
}

export function hashContext(files: HashedFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${file.path}\0${(file.mode & 0o111 ? 0o755 : 0o644).toString(8)}\0`);
    hash.update(file.content);
    hash.update('\0');
  }
  return hash.digest('hex');
}

export function renderImageManifest(image: ResolvedImage, contextHash: string): ImageManifest {
  const def = image.definition;
  return {
    name: def.name,
    class: def.class,
    repository: def.repository,
    version: image.version,
    ...(def.class === 'base' ? {} : { parent: def.parent }),
    source: image.file,
    contextHash,
    upstreamTags: upstreamTagSchemeOf(def),
    variants: def.variants.map((v) => {
      // Facts as resolved down the chain: a child of pytorch reads its torch here without importing pytorch's image.ts.
      const facts = resolveVariantFacts(image, v);
      const root = def.class === 'derivative' ? rootFromOf(image, v) : undefined;
      return {
        key: v.key,
        ...(v.parent ? { parent: v.parent } : {}),
        local: v.local,
        ...(v.onDemand ? { onDemand: true as const } : {}),
        ...(v.from ? { from: v.from } : {}),
        ...(v.upstream ? { upstream: v.upstream } : {}),
        ...(root ? { root } : {}),
        args: variantBuildArgs(image, v),
        ...(facts.cuda ? { cuda: facts.cuda } : {}),
        ...(facts.python ? { python: facts.python } : {}),
        ...(facts.torch ? { torch: facts.torch } : {}),
        ...(facts.torchBackend ? { torchBackend: facts.torchBackend } : {}),
        ...(v.platforms ? { platforms: v.platforms } : {}),
      };
    }),
  };
}

export interface PlannedBuild {
  image: string;
  variant: string;
  profile: BuildProfile;
  /** Content hash of everything that goes into this build, the parent's build hash included. */
  buildHash: string;
  /** `<repository>:build-<hash12>`: the content-addressed tag that lets a re-run skip the build. */
  buildTag: string;
  /**
   * `<repository>:<version>-<variant>`: the human tag of this build. A build with overrides is not that release: its
   * versionTag is its buildTag, and its human names are the extraTags.
   */
  versionTag: string;
  /** `<repository>:<tag>-<variant>` for each --tag of a manual build (target image only). */
  extraTags: string[];
  /** The target's build args a manual build overrode (`--arg KEY=VALUE`); empty for a normal build. */
  overrides: Record<string, string>;
  /** The one platform this build is for (`--platform`); absent: the engine's own, with no `--platform`. */
  platform?: Platform;
  parent?: { image: string; variant: string; buildTag: string };
  buildArgs: Record<string, string>;
  /** `docker` arguments, context directory last. */
  argv: string[];
}

export interface PlanOptions {
  profile: BuildProfile;
  /** Restrict the target image to these variant keys (parents follow from them). */
  variants?: string[];
  /** The build context directory of an image (dist/images/<name>). */
  contextDir: (image: string) => string;
  /** Image ids of mutable FROM images (e.g. the local Debian root), so a rebuilt root invalidates its children. */
  fromImageIds?: Record<string, string>;
  /** A manual build's `--arg KEY=VALUE`: build args of the target image replaced (they enter its hash, not its parents'). */
  overrides?: Record<string, string>;
  /** A manual build's `--tag`: extra tags `<tag>-<variant>` of the target's builds. */
  extraTags?: string[];
  /**
   * `--platform`: one of the platforms the target's variants declare, or `all` (each declared one, built apart).
   * Parents are built for the same platform. Unset: one build for the engine's own architecture.
   */
  platform?: string;
}

export class PlanError extends Error {}

/** The build args a manual build may override: every arg a variant of the image is built with (defaults and facts). */
export const overridableArgsOf = (manifest: ImageManifest): string[] =>
  [...new Set(manifest.variants.flatMap((v) => Object.keys(v.args)))].sort();

function checkOverrides(manifest: ImageManifest, overrides: Record<string, string>): void {
  const known = overridableArgsOf(manifest);
  const unknown = Object.keys(overrides).filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new PlanError(
      `${manifest.source}: args: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length > 1 ? 'are not build args' : 'is not a build arg'} of ${manifest.name}, so --arg cannot set ${unknown.length > 1 ? 'them' : 'it'}. Known: ${known.join(', ') || '(none)'}.`,
    );
  }
}

/**
 * Labels every build carries, so the engine can say which image and variant a `build-*` tag is (docker-build --prune
 * keeps the last N per variant). A child overrides its parent's, since every build sets both.
 */
export const BUILD_LABELS = { image: 'io.vast.image', variant: 'io.vast.variant' } as const;

export const buildTagOf = (repository: string, buildHash: string) => `${repository}:build-${buildHash.slice(0, 12)}`;

function selectVariants(manifest: ImageManifest, options: PlanOptions): ManifestVariant[] {
  const inProfile = manifest.variants.filter((v) => (options.profile === 'local' ? v.local : !v.local));
  if (!options.variants?.length) return inProfile.filter((v) => !v.onDemand);
  return options.variants.map((key) => {
    const variant = manifest.variants.find((v) => v.key === key);
    if (!variant)
      throw new PlanError(
        `${manifest.source}: variants: '${key}' is not a variant of ${manifest.name}. Use one of: ${manifest.variants.map((v) => v.key).join(', ')}.`,
      );
    if (!inProfile.includes(variant)) {
      throw new PlanError(
        `${manifest.source}: variants: '${key}' is ${variant.local ? 'a local' : 'a production'} variant; run with -c ${variant.local ? 'local' : 'production'}.`,
      );
    }
    return variant;
  });
}

/**
 * Every build the target image needs, parents first. A variant is planned once even when several children need it.
 * With `onlyTarget`, the plan still computes the parents' hashes (a child's hash depends on them) but lists only the target's builds.
 */
export function planDockerBuilds(
  manifests: ReadonlyMap<string, ImageManifest>,
  target: string,
  options: PlanOptions & { onlyTarget?: boolean },
): PlannedBuild[] {
  const planned = new Map<string, PlannedBuild>();
  const order: PlannedBuild[] = [];

  const manifestOf = (name: string) => {
    const manifest = manifests.get(name);
    if (!manifest) throw new PlanError(`No assembled context for image '${name}': run nx run ${name}:build first.`);
    return manifest;
  };

  const plan = (manifest: ImageManifest, variant: ManifestVariant, platform: Platform | undefined): PlannedBuild => {
    const id = `${manifest.name}:${variant.key}${platform ? `@${platform}` : ''}`;
    const existing = planned.get(id);
    if (existing) return existing;

    let parent: PlannedBuild | undefined;
    if (manifest.parent) {
      const parentManifest = manifestOf(manifest.parent);
      const parentVariant = parentManifest.variants.find((v) => v.key === variant.parent);
      if (!parentVariant) {
        throw new PlanError(
          `${manifest.source}: variants: '${variant.key}' builds on ${manifest.parent}:${variant.parent ?? '(none)'}, which does not exist.`,
        );
      }
      const parentPlatforms = buildPlatformsOf(parentVariant, platform);
      if (!parentPlatforms.ok) throw new PlanError(`${parentManifest.source}: ${parentPlatforms.error}`);
      parent = plan(parentManifest, parentVariant, platform);
    }

    const isTarget = manifest.name === target;
    const overrides = isTarget ? (options.overrides ?? {}) : {};
    const buildArgs: Record<string, string> = { [PROFILE_ARG]: options.profile, ...variant.args, ...overrides };
    // A local root holds one platform, so each platform builds FROM its own (local-root --platform makes it).
    const from = variant.local && variant.from && platform ? platformRootRef(variant.from, platform) : variant.from;
    if (manifest.class === 'base') buildArgs[BASE_ARG] = from ?? '';
    if (manifest.class === 'derivative' && parent) buildArgs[PARENT_ARG] = parent.buildTag;
    if (manifest.class === 'external' && parent) {
      buildArgs[VAST_BASE_ARG] = parent.buildTag;
      buildArgs[UPSTREAM_ARG] = variant.upstream ?? '';
    }
    const fromRef = manifest.class === 'base' ? from : manifest.class === 'external' ? variant.upstream : undefined;
    const buildHash = createHash('sha256')
      .update(
        JSON.stringify({
          context: manifest.contextHash,
          variant: variant.key,
          args: Object.entries(buildArgs).sort(),
          parent: parent?.buildHash ?? null,
          fromImageId: fromRef ? (options.fromImageIds?.[fromRef] ?? null) : null,
          // Only when chosen, so that a build for the engine's own architecture keeps the hash it had.
          ...(platform ? { platform } : {}),
        }),
      )
      .digest('hex');
    const buildTag = buildTagOf(manifest.repository, buildHash);
    // One platform of a release: named as upstream's per-arch staging tags (`<tag>-arm64`) until the merge.
    const onPlatform = (tag: string) => (platform ? platformTag(tag, platform) : tag);
    // The full release tag of this variant (tags.ts): the same rule docker-push tags with. Overridden, the build is not it.
    const overridden = Object.keys(overrides).length > 0;
    const versionTag = overridden
      ? buildTag
      : `${manifest.repository}:${onPlatform(versionTags({ version: manifest.version, variant: variant.key })[0])}`;
    const extraTags = (isTarget ? (options.extraTags ?? []) : []).map((tag) => {
      const problem = validateTag(onPlatform(extraTagOf(tag, variant.key)));
      if (problem) throw new PlanError(`--tag ${tag}: on variant ${variant.key}, ${problem}`);
      return `${manifest.repository}:${onPlatform(extraTagOf(tag, variant.key))}`;
    });
    const argv = [
      'build',
      '--file',
      `${options.contextDir(manifest.name)}/Dockerfile`,
      '--tag',
      buildTag,
      ...(overridden ? [] : ['--tag', versionTag]),
      ...extraTags.flatMap((tag) => ['--tag', tag]),
      ...(platform ? ['--platform', platform] : []),
      ...Object.entries(buildArgs)
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      '--label',
      `${BUILD_LABELS.image}=${manifest.name}`,
      '--label',
      `${BUILD_LABELS.variant}=${variant.key}`,
      options.contextDir(manifest.name),
    ];
    const build: PlannedBuild = {
      image: manifest.name,
      variant: variant.key,
      profile: options.profile,
      buildHash,
      buildTag,
      versionTag,
      extraTags,
      overrides,
      ...(platform ? { platform } : {}),
      ...(parent ? { parent: { image: parent.image, variant: parent.variant, buildTag: parent.buildTag } } : {}),
      buildArgs,
      argv,
    };
    planned.set(id, build);
    order.push(build);
    return build;
  };

  const targetManifest = manifestOf(target);
  checkOverrides(targetManifest, options.overrides ?? {});
  for (const tag of options.extraTags ?? []) {
    const problem = validateTag(tag);
    if (problem) throw new PlanError(`--tag: ${problem}`);
  }
  const selected = selectVariants(targetManifest, options);
  if (!selected.length) {
    throw new PlanError(
      `${targetManifest.source}: variants: ${target} has no ${options.profile} variant. ${options.profile === 'local' ? 'Add one with local: true (built offline from Debian packages) or build with -c production.' : 'Build with -c local.'}`,
    );
  }
  for (const variant of selected) {
    const platforms = buildPlatformsOf(variant, options.platform);
    if (!platforms.ok) throw new PlanError(`${targetManifest.source}: ${platforms.error}`);
    for (const platform of platforms.platforms) plan(targetManifest, variant, platform);
  }
  return options.onlyTarget ? order.filter((b) => b.image === target) : order;
}

/** A manual build's extra tag on one variant: `<tag>-<variant>`, as the version tags carry the variant. */
export const extraTagOf = (tag: string, variant: string) => `${tag}-${variant}`;

/** The `docker` command line a person can paste, for --dry-run output. */
export function formatDockerCommand(argv: string[]): string {
  return ['docker', ...argv].map(shellQuote).join(' ');
}
