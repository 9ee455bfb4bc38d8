// Upstream release tracking: what an image follows (image.ts `track`), and, given the releases a source lists now,
// whether its build arg moves and to what. Pure: the command fetches the releases and reads the clock, then applies the
// edits this module computes (the arg in image.ts, a patch changeset, the pull request's summary).
import { z } from 'zod';

/** Upstream's threshold for scheduled builds (RELEASE_AGE_THRESHOLD): a release younger than 12 hours is not built yet. */
export const DEFAULT_RELEASE_AGE_SECONDS = 43_200;

const pattern = z.string().refine(
  (p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be a regular expression, e.g. ^v\\d+\\.\\d+\\.\\d+$' },
);

export const trackedSourceSchema = z.discriminatedUnion(
  'kind',
  [
    /** GitHub releases of `owner/name` (drafts and pre-releases ignored), optionally only tags matching `tagPattern`. */
    z.strictObject({
      kind: z.literal('github-releases'),
      repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
      tagPattern: pattern.optional(),
    }),
    /** Docker Hub tags of `namespace/name` matching `tagPattern` (variant tags such as `-cu130` do not match it). */
    z.strictObject({ kind: z.literal('dockerhub-tags'), repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/), tagPattern: pattern }),
    /** PyPI releases of `package` (pre-releases and yanked files ignored). */
    z.strictObject({ kind: z.literal('pypi'), package: z.string().regex(/^[A-Za-z0-9._-]+$/), versionPattern: pattern.optional() }),
  ],
  { error: "kind must be 'github-releases', 'dockerhub-tags' or 'pypi'" },
);
export type TrackedSource = z.output<typeof trackedSourceSchema>;

const trackingCommon = {
  source: trackedSourceSchema,
  /** A release younger than this is left for a later run (upstream: 43200 s). */
  minAgeSeconds: z.number().int().nonnegative().default(DEFAULT_RELEASE_AGE_SECONDS),
};

/**
 * What an image follows: a build arg that names the upstream release (`arg`, e.g. COMFYUI_REF), or, for an external
 * image that names its upstream per variant, the version in the tag of every variant's `upstream` image of one
 * repository (`upstream`, e.g. vllm/vllm-openai: `v0.13.0` and `v0.13.0-cu130` move together).
 */
export const trackingSchema = z.union(
  [
    z.strictObject({
      /** The build arg that names the upstream release, e.g. COMFYUI_REF. */
      arg: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'names a build arg, UPPER_SNAKE_CASE' }),
      ...trackingCommon,
    }),
    z.strictObject({
      /** The upstream image repository the variants graft onto (their `upstream` is `<this>:<version>[-suffix]`). */
      upstream: z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, { error: 'names an image repository, e.g. vllm/vllm-openai' }),
      ...trackingCommon,
    }),
  ],
  {
    error:
      "each track entry names an arg (e.g. { arg: 'COMFYUI_REF', source }) or an upstream image (e.g. { upstream: 'vllm/vllm-openai', source })",
  },
);
export type Tracking = z.output<typeof trackingSchema>;

/** What a tracking entry moves, as messages name it: the arg, or `<repository> tag` of the variants' upstream images. */
export const trackedSubject = (tracking: Tracking) => ('arg' in tracking ? tracking.arg : `${tracking.upstream} tag`);

/** The version a tag leads with, without a `v`: `v0.13.0-cu130` -> `0.13.0`; undefined when it leads with none. */
export const tagVersion = (tag: string) => /^v?(\d+(?:\.\d+)*(?:\.post\d+)?)(?=$|[-_+])/.exec(tag)?.[1];

/**
 * The version the variants' upstream images of `repository` are at now (one for all of them), or the problem as
 * `path: what is wrong. What to do.`: no variant uses the repository, a tag leads with no version, or two versions.
 */
export function currentUpstreamVersion(
  variants: readonly { key: string; upstream?: string | undefined }[],
  repository: string,
): { version: string } | { error: string } {
  const tagged = variants.flatMap((v, i) =>
    v.upstream?.startsWith(`${repository}:`) ? [{ i, key: v.key, tag: v.upstream.slice(repository.length + 1) }] : [],
  );
  if (!tagged.length) {
    return { error: `no variant's upstream is ${repository}:<version>. Track the repository the variants graft onto.` };
  }
  const versions = new Set<string>();
  for (const { i, tag } of tagged) {
    const version = tagVersion(tag);
    if (!version)
      return {
        error: `variants.${i}.upstream: tag '${tag}' does not start with a version, so tracking cannot move it. Pin a version tag such as 1.2.3 or v1.2.3-cu130.`,
      };
    versions.add(version);
  }
  if (versions.size > 1) {
    return {
      error: `the variants' ${repository} tags are at ${[...versions].join(' and ')}; tracking moves them together. Put every variant on one version.`,
    };
  }
  return { version: [...versions][0] };
}

/** One release as a source lists it, reduced to what the decision needs. */
export interface UpstreamRelease {
  /** The tag or version exactly as upstream names it (`v0.3.76`, `0.13.0`). */
  version: string;
  /** ISO 8601. */
  publishedAt: string;
  prerelease: boolean;
}

export type TrackDecision =
  /** `subject`: what moves (trackedSubject). `to`: the release as named, or its bare version for an `upstream` entry. */
  { kind: 'update'; subject: string; from: string; to: string; release: UpstreamRelease } | { kind: 'none'; reason: string };

/** `v1.2.3` and `1.2.3.post1` as comparable numbers; undefined when there is no leading version. */
function numbers(version: string): number[] | undefined {
  const m = /^v?(\d+(?:\.\d+)*)(?:\.post(\d+))?/.exec(version);
  // A .postN release comes after its release: one more part, so 0.5.6.post2 > 0.5.6 (= 0.5.6.0).
  return m ? [...m[1].split('.').map(Number), ...(m[2] ? [Number(m[2])] : [])] : undefined;
}

/** Whether `a` is a later version than `b` (numeric parts in order; a missing part counts as 0). */
export function isNewerVersion(a: string, b: string): boolean {
  const [x, y] = [numbers(a), numbers(b)];
  if (!x || !y) return false;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
}

const sourceName = (source: TrackedSource) =>
  source.kind === 'pypi'
    ? `PyPI ${source.package}`
    : `${source.kind === 'github-releases' ? 'GitHub releases of' : 'Docker Hub tags of'} ${source.repository}`;

/**
 * Whether the tracked arg moves: to the newest release (by publication) that is no pre-release, matches the source's
 * pattern, is newer than `current`, and is at least `minAgeSeconds` old at `now`. Upstream builds a release once it
 * is old enough; a newer one still too young waits for a later run, so nothing moves until it ages.
 */
export function decideTrackUpdate(tracking: Tracking, current: string, releases: UpstreamRelease[], now: Date): TrackDecision {
  const { source } = tracking;
  const filter = source.kind === 'pypi' ? source.versionPattern : source.tagPattern;
  const matching = releases
    .filter((r) => !r.prerelease && (filter === undefined || new RegExp(filter).test(r.version)))
    .sort((a, b) => Date.parse(b.publishedAt) - Date.parse(a.publishedAt));
  const newest = matching[0];
  if (!newest) return { kind: 'none', reason: `${sourceName(source)} lists no release${filter ? ` matching ${filter}` : ''}` };
  if (!isNewerVersion(newest.version, current)) {
    return { kind: 'none', reason: `${trackedSubject(tracking)} ${current} is current (newest release: ${newest.version})` };
  }
  const age = (now.getTime() - Date.parse(newest.publishedAt)) / 1000;
  if (age < tracking.minAgeSeconds) {
    return {
      kind: 'none',
      reason: `${newest.version} was published ${Math.floor(age / 3600)}h ago, younger than the ${tracking.minAgeSeconds} s threshold; a later run takes it`,
    };
  }
  const to = 'arg' in tracking ? newest.version : (tagVersion(newest.version) ?? newest.version);
  return { kind: 'update', subject: trackedSubject(tracking), from: current, to, release: newest };
}

/** Python pre-releases (PEP 440 a, b, rc, dev) are not releases to track. */
export const isPythonPrerelease = (version: string) => /(a|b|rc|dev)\d*$|\.dev\d*|(alpha|beta|pre|preview)/i.test(version);

/**
 * image.ts with the tracked arg moved from `from` to `to`: exactly one `ARG: 'from'` (or "from") must be there, so a
 * definition that states the arg twice or builds it from parts is refused rather than half-edited.
 */
export function moveArgInSource(file: string, text: string, arg: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(\\b${arg}:\\s*)(['"])${escaped}\\2`, 'g');
  const found = text.match(re)?.length ?? 0;
  if (found !== 1) {
    throw new Error(
      `${file}: args.${arg}: expected one literal ${arg}: '${from}' to move to '${to}', found ${found}. State the arg once, as a string literal.`,
    );
  }
  return text.replace(re, (_m, head: string, quote: string) => `${head}${quote}${to}${quote}`);
}

/**
 * image.ts with the upstream version moved from `from` to `to` (bare versions): exactly one string literal holding
 * the version (`'0.13.0'` or `'v0.13.0'`, its `v` kept) must be there, from which the variants' upstream tags and keys
 * are built, so every variant moves with it and nothing is half-edited.
 */
export function moveUpstreamVersionInSource(file: string, text: string, repository: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(['"])(v?)${escaped}\\1`, 'g');
  const found = text.match(re)?.length ?? 0;
  if (found !== 1) {
    throw new Error(
      `${file}: track (${repository}): expected one string literal '${from}' (or 'v${from}') to move to '${to}', found ${found}. State the upstream version once, e.g. const VERSION = '${from}', and build the variants' upstream tags and keys from it.`,
    );
  }
  return text.replace(re, (_m, quote: string, v: string) => `${quote}${v}${to}${quote}`);
}

/** The patch changeset that releases the image with the new upstream release (written as .changeset/<file>). */
export function renderTrackChangeset(
  packageName: string,
  tracking: Tracking,
  update: Extract<TrackDecision, { kind: 'update' }>,
): { file: string; text: string } {
  const slug = `track-${packageName.replace(/^@[^/]+\//, '')}-${update.to}`.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase();
  return {
    file: `${slug}.md`,
    text: `---\n'${packageName}': patch\n---\n\n${update.subject} ${update.from} -> ${update.to}: ${sourceName(tracking.source)} published ${update.to} on ${update.release.publishedAt.slice(0, 10)}.\n`,
  };
}

/** The pull request a tracked update opens: title and body. */
export function renderTrackPullRequest(
  image: string,
  file: string,
  tracking: Tracking,
  update: Extract<TrackDecision, { kind: 'update' }>,
  changeset: string,
): { title: string; body: string } {
  return {
    title: `${image}: ${update.subject} ${update.to}`,
    body: [
      `${sourceName(tracking.source)} published **${update.to}** on ${update.release.publishedAt} (at least ${tracking.minAgeSeconds} s ago).`,
      '',
      `- \`${file}\`: \`${update.subject}\` ${update.from} -> ${update.to}`,
      `- \`.changeset/${changeset}\`: patch release of ${image}`,
      '',
      'Merging this releases it through the normal flow (the Version images pull request, then the release build).',
    ].join('\n'),
  };
}
