// What a release does, decided from facts the command gathers: the image family (its FROM graph and variants), the
// versions before and after, the git tags that exist, and afterwards what docker-push recorded. Pure: no fs, git or
// clock here; scripts/release.ts reads the facts and performs the actions.
import { parseArgs } from 'node:util';
import { sortImagesByFrom, validateNamespace, type ResolvedImage } from '@vast/conventions';

export type Profile = 'production' | 'local';

export interface ReleaseOptions {
  dryRun: boolean;
  versionOnly: boolean;
  publish: boolean;
  configuration: Profile;
  registry?: string;
}

/** Reads the command line with node's parseArgs; every problem comes back as one line that says what to pass. */
export function parseReleaseArgs(argv: string[]): ReleaseOptions | { help: true } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'version-only': { type: 'boolean', default: false },
        publish: { type: 'boolean', default: false },
        configuration: { type: 'string', short: 'c', default: 'production' },
        registry: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      return { error: `unknown option '${/'([^']+)'/.exec(message)?.[1] ?? message}'. See --help.` };
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      return { error: `unexpected argument '${/'([^']+)'/.exec(message)?.[1] ?? message}'. See --help.` };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /registry/.test(message))
      return { error: '--registry: needs a value such as 127.0.0.1:5000.' };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return { error: '--configuration: needs a build profile: production or local.' };
    return { error: `${message}. See --help.` };
  }
  if (values.help) return { help: true };
  const configuration = values.configuration;
  if (configuration !== 'production' && configuration !== 'local')
    return { error: `--configuration: '${configuration}' is not a build profile. Use production or local.` };
  if (values.registry === '') return { error: '--registry: needs a value such as 127.0.0.1:5000.' };
  if (values['version-only'] && values.publish) return { error: '--version-only and --publish are two halves of a release; pass one.' };
  return {
    dryRun: values['dry-run'],
    versionOnly: values['version-only'],
    publish: values.publish,
    configuration,
    ...(values.registry !== undefined ? { registry: values.registry } : {}),
  };
}

export interface Release {
  project: string;
  /** npm package name, e.g. @vast/base-image. */
  name: string;
  from: string;
  to: string;
}

/** The npm package of an image project (and the prefix of its git tags). */
export const packageNameOf = (image: ResolvedImage) => `@vast/${image.definition.name}`;
/** The git tag that marks a version released: the one `changeset tag` would create. */
export const gitTagOf = (release: Pick<Release, 'name' | 'to'>) => `${release.name}@${release.to}`;

/**
 * Where a release stages before it promotes (upstream §4.5): a registry location (`host[:port][/path]`, a path prefix
 * in front of each repository), and optionally a namespace that replaces each repository's own (upstream's
 * `DOCKERHUB_NAMESPACE_STAGING`: `vastai/base-image` stages as `vastaistaging/base-image`).
 */
export interface StagingLocation {
  registry: string;
  namespace?: string;
}

/**
 * The staging location the environment sets: `VAST_STAGING_REGISTRY`, and `VAST_STAGING_NAMESPACE` (which alone
 * stages on the production registry, in that namespace). Neither set: no staging, the release pushes directly.
 */
export function stagingFromEnv(
  env: Record<string, string | undefined>,
  productionRegistry: string | undefined,
): { staging?: StagingLocation } | { error: string } {
  const registry = env.VAST_STAGING_REGISTRY?.trim() || undefined;
  const namespace = env.VAST_STAGING_NAMESPACE?.trim() || undefined;
  if (!registry && !namespace) return {};
  if (namespace) {
    const problem = validateNamespace(namespace);
    if (problem) return { error: `VAST_STAGING_NAMESPACE: ${problem} Set it to the staging namespace alone, without the registry.` };
  }
  const on = registry ?? productionRegistry;
  if (!on) return { error: 'VAST_STAGING_NAMESPACE is set but there is no registry to stage on. Pass --registry or set VAST_REGISTRY.' };
  return { staging: { registry: on, ...(namespace ? { namespace } : {}) } };
}

/** How the release names its staging location: `docker.io, namespace vastaistaging`, or the registry path alone. */
export const describeStaging = (staging: StagingLocation) =>
  staging.namespace ? `${staging.registry}, namespace ${staging.namespace}` : staging.registry;

export interface ReleaseFacts {
  /** Stage, smoke, then promote through this location; without it, push directly. */
  staging?: StagingLocation;
  /** The image family as read now (before versioning): its FROM graph, variants and package versions. */
  images: ResolvedImage[];
  /** Version of each package after versioning (`changeset version`, or what `changeset status` says it would do). */
  versionsAfter: ReadonlyMap<string, string>;
  /** For --publish: the git tags that exist. An image whose current version has none is not released yet. */
  gitTags?: ReadonlySet<string>;
  configuration: Profile;
}

export interface ReleasePlan {
  /** Every image this release covers, parents before children. */
  releases: Release[];
  /** The releases with at least one variant in the profile: built and pushed. */
  build: Release[];
  /** The releases with no variant in the profile: not built, not pushed, not tagged. */
  skipped: { release: Release; reason: string }[];
  /** nx arguments: build the `build` set, then push it (through staging and smoke when staged). Empty when there is nothing to build. */
  commands: string[][];
}

const variantsIn = (image: ResolvedImage, profile: Profile) =>
  image.definition.variants.filter((v) => (profile === 'local' ? v.local === true : v.local !== true));

/**
 * Which images a release covers and which of them it builds. With `gitTags` (--publish): every image whose current
 * version has no git tag. Without: every image whose version changes.
 */
export function planRelease({ images, versionsAfter, gitTags, configuration, staging }: ReleaseFacts): ReleasePlan {
  const releases = sortImagesByFrom(images)
    .map((image) => {
      const name = packageNameOf(image);
      return gitTags
        ? { project: image.definition.name, name, from: '(untagged)', to: image.version }
        : { project: image.definition.name, name, from: image.version, to: versionsAfter.get(name) ?? image.version };
    })
    .filter((r) => (gitTags ? !gitTags.has(gitTagOf(r)) : r.from !== r.to));
  const byProject = new Map(images.map((i) => [i.definition.name, i]));
  const build = releases.filter((r) => variantsIn(byProject.get(r.project) as ResolvedImage, configuration).length > 0);
  const skipped = releases
    .filter((r) => !build.includes(r))
    .map((release) => ({ release, reason: `no ${configuration} variant in packages/images/${release.project}/image.ts` }));
  return {
    releases,
    build,
    skipped,
    commands: build.length
      ? releaseCommands(
          build.map((r) => r.project),
          configuration,
          staging,
        )
      : [],
  };
}

/**
 * The nx commands that build and push `projects`, in order; docker-build's `^docker-build` dependency orders parents
 * first. With a staging location (upstream's staging -> production, §4.5) the push goes there first (into the staging
 * namespace when it has one), without upstream's tag names; then the built images, which are the staged ones
 * (promotion checks the staged config digest is the built image id), are smoke tested; then the release tags are
 * promoted from staging by digest, and only then do upstream's names (`-auto`, dated) move. Any failing command stops
 * the release, so a failed smoke promotes nothing.
 */
export function releaseCommands(projects: string[], configuration: Profile, staging?: StagingLocation): string[][] {
  const list = projects.join(',');
  // One at a time and stop at the first failure: a failed push must not be followed by more pushes.
  const push = ['run-many', '-t', 'docker-push', '-p', list, '-c', configuration, '--parallel=1', '--nxBail'];
  const build = ['run-many', '-t', 'docker-build', '-p', list, '-c', configuration];
  if (!staging) return [build, push];
  const namespace = (option: string) => (staging.namespace ? [`--${option}=${staging.namespace}`] : []);
  return [
    build,
    [...push, `--registry=${staging.registry}`, ...namespace('namespace'), '--upstreamTags=false'],
    ['run-many', '-t', 'smoke', '-p', list, '-c', configuration, '--parallel=1', '--nxBail'],
    [...push, `--promoteFrom=${staging.registry}`, ...namespace('promoteFromNamespace')],
  ];
}

/** What docker-push recorded for an image (dist/builds/<name>/push-result.json), or undefined when it wrote nothing. */
export interface PushOutcome {
  version: string;
  registry: string;
  profile?: string;
  /** docker-push stopped at a failure: some tags are missing. */
  failed: boolean;
}

export interface GitTagPlan {
  /** Tags to create, `<package>@<version>`, in FROM order. */
  create: string[];
  /** Released versions that stay untagged, so the next --publish picks them up, each with the reason. */
  untagged: { release: Release; reason: string }[];
}

/**
 * The git tags a --publish creates: exactly the versions whose images this run pushed completely to `registry`. A
 * version is left untagged when the profile has no variant of it, when its push failed or did not run, or when the
 * profile pushed only part of it (the local profile pushes the offline variant; the production variants still need
 * a --publish -c production, which must find it untagged).
 */
export function planGitTags(
  plan: ReleasePlan,
  facts: { images: ResolvedImage[]; configuration: Profile; registry: string; pushed: ReadonlyMap<string, PushOutcome | undefined> },
): GitTagPlan {
  const byProject = new Map(facts.images.map((i) => [i.definition.name, i]));
  const create: string[] = [];
  const untagged: GitTagPlan['untagged'] = plan.skipped.map(({ release, reason }) => ({
    release,
    reason: `not built or pushed: ${reason}`,
  }));
  for (const release of plan.build) {
    const outcome = facts.pushed.get(release.project);
    const image = byProject.get(release.project) as ResolvedImage;
    const others = variantsIn(image, facts.configuration === 'local' ? 'production' : 'local').map((v) => v.key);
    let reason: string | undefined;
    if (
      !outcome ||
      outcome.version !== release.to ||
      outcome.registry !== facts.registry ||
      (outcome.profile !== undefined && outcome.profile !== facts.configuration)
    ) {
      reason = `not pushed by this run (docker-push did not finish for ${release.to}; see its output above)`;
    } else if (outcome.failed) {
      reason = 'its push stopped part-way (see the docker-push output above); a re-run finishes it';
    } else if (facts.configuration === 'local' && others.length) {
      reason = `pushed its local variant only; its production variants (${others.join(', ')}) still need --publish -c production`;
    }
    if (reason) untagged.push({ release, reason });
    else create.push(gitTagOf(release));
  }
  const order = plan.releases.map((r) => r.project);
  untagged.sort((a, b) => order.indexOf(a.release.project) - order.indexOf(b.release.project));
  return { create, untagged };
}
