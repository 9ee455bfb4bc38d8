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

export const trackingSchema = z.strictObject({
  /** The build arg that names the upstream release, e.g. COMFYUI_REF. */
  arg: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { error: 'names a build arg, UPPER_SNAKE_CASE' }),
  source: trackedSourceSchema,
  /** A release younger than this is left for a later run (upstream: 43200 s). */
  minAgeSeconds: z.number().int().nonnegative().default(DEFAULT_RELEASE_AGE_SECONDS),
});
export type Tracking = z.output<typeof trackingSchema>;

/** One release as a source lists it, reduced to what the decision needs. */
export interface UpstreamRelease {
  /** The tag or version exactly as upstream names it (`v0.3.76`, `0.13.0`). */
  version: string;
  /** ISO 8601. */
  publishedAt: string;
  prerelease: boolean;
}

export type TrackDecision =
  { kind: 'update'; arg: string; from: string; to: string; release: UpstreamRelease } | { kind: 'none'; reason: string };

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
    return { kind: 'none', reason: `${tracking.arg} ${current} is current (newest release: ${newest.version})` };
  }
  const age = (now.getTime() - Date.parse(newest.publishedAt)) / 1000;
  if (age < tracking.minAgeSeconds) {
    return {
      kind: 'none',
      reason: `${newest.version} was published ${Math.floor(age / 3600)}h ago, younger than the ${tracking.minAgeSeconds} s threshold; a later run takes it`,
    };
  }
  return { kind: 'update', arg: tracking.arg, from: current, to: newest.version, release: newest };
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

/** The patch changeset that releases the image with the new upstream release (written as .changeset/<file>). */
export function renderTrackChangeset(
  packageName: string,
  tracking: Tracking,
  update: Extract<TrackDecision, { kind: 'update' }>,
): { file: string; text: string } {
  const slug = `track-${packageName.replace(/^@[^/]+\//, '')}-${update.to}`.replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase();
  return {
    file: `${slug}.md`,
    text: `---\n'${packageName}': patch\n---\n\n${update.arg} ${update.from} -> ${update.to}: ${sourceName(tracking.source)} published ${update.to} on ${update.release.publishedAt.slice(0, 10)}.\n`,
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
    title: `${image}: ${update.arg} ${update.to}`,
    body: [
      `${sourceName(tracking.source)} published **${update.to}** on ${update.release.publishedAt} (at least ${tracking.minAgeSeconds} s ago).`,
      '',
      `- \`${file}\`: \`${update.arg}\` ${update.from} -> ${update.to}`,
      `- \`.changeset/${changeset}\`: patch release of ${image}`,
      '',
      'Merging this releases it through the normal flow (the Version images pull request, then the release build).',
    ].join('\n'),
  };
}
