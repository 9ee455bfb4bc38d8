// The semver tag grammar: which Docker tags a release of an image variant gets (upstream's names: upstream-tags.ts). Pure; every
// fact (version, variant, git ref, sha, date) is an argument, so the same inputs always give the same tags.
import semver from 'semver';

/** Docker's rule for the tag part of a reference: 1 to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
export const DOCKER_TAG_PATTERN = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
export const DOCKER_TAG = new RegExp(`^${DOCKER_TAG_PATTERN}$`);
export const MAX_TAG_LENGTH = 128;

/** A registry host with an optional port and namespace path: `127.0.0.1:5000`, `docker.io`, `ghcr.io/vast-ai`. */
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
/** The repository path Docker accepts: lowercase components joined by `/`. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_CHAR = /[A-Za-z0-9_.-]/;

/** Thrown when inputs cannot form valid tags; the message names the input and the fix. */
export class TagError extends Error {
  override name = 'TagError';
}

/**
 * Why `tag` is not a valid Docker tag, or undefined when it is. Names the first offending character
 * (and its position) or the length, and says how to fix it.
 */
export function validateTag(tag: string): string | undefined {
  if (tag.length === 0) return 'tag is empty: a Docker tag needs 1 to 128 characters.';
  if (tag.length > MAX_TAG_LENGTH) {
    return `tag '${tag.slice(0, 40)}…' is ${tag.length} characters; Docker allows at most ${MAX_TAG_LENGTH}. Shorten the variant key or the ref.`;
  }
  for (let i = 0; i < tag.length; i++) {
    const c = tag[i];
    if (!TAG_CHAR.test(c)) {
      return `tag '${tag}' contains ${describeChar(c)} at position ${i + 1}; Docker tags allow only letters, digits, '_', '.' and '-'. Replace it, e.g. with '-'.`;
    }
  }
  if (tag[0] === '.' || tag[0] === '-') {
    return `tag '${tag}' starts with '${tag[0]}'; a Docker tag must start with a letter, digit or '_'. Drop the leading '${tag[0]}'.`;
  }
  return undefined;
}

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}` : `'${c}'`;
}

/**
 * Makes free text (a branch name, a scoped package name) usable inside a tag: every run of characters
 * Docker does not allow becomes one '-', and leading/trailing '.' or '-' are dropped.
 * `feature/GPU support` -> `feature-GPU-support`, `@vast/base-image` -> `vast-base-image`.
 */
export function sanitizeTagPart(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
}

function withVariant(head: string, variant: string): string {
  return variant === '' ? head : `${head}-${variant}`;
}

function checkVariant(variant: string): void {
  if (variant === '') return;
  const problem = validateTag(variant);
  if (problem) throw new TagError(`variant key '${variant}' cannot be part of a tag: ${problem} Fix the variant key in image.ts.`);
}

function checkTags(tags: string[], what: string): string[] {
  const problems = tags.map(validateTag).filter((p): p is string => p !== undefined);
  if (problems.length) throw new TagError(`${what}: ${problems.join(' ')}`);
  return tags;
}

export interface VersionTagsInput {
  /** The image's semver version from its package.json, e.g. `1.4.2` or `1.4.2-rc.1`. */
  version: string;
  /** The variant key (`cuda-12.9-py312`); '' for an image without variants. */
  variant: string;
}

/**
 * Release tags of one variant. A stable release gets its full tag plus the moving aliases
 * (`1.4.2-v`, `1.4-v`, `1-v`, `latest-v`); a prerelease only its full tag, because a moving tag
 * must never point at a release candidate. Semver build metadata (`+build.5`) is kept but
 * written with '-', since '+' is not allowed in a Docker tag. Version tags never carry a date.
 * Major version 0 gets no `0-v` alias: under semver 0.x promises no compatibility across minors.
 */
export function versionTags({ version, variant }: VersionTagsInput): string[] {
  const parsed = semver.parse(version);
  if (!parsed) {
    throw new TagError(
      `version '${version}' is not a semver version (MAJOR.MINOR.PATCH[-prerelease][+build]). Fix "version" in the image's package.json.`,
    );
  }
  checkVariant(variant);
  const build = parsed.build.length ? `-${parsed.build.join('.')}` : '';
  const full = `${parsed.version}${build}`;
  const tags = [withVariant(full, variant)];
  if (parsed.prerelease.length === 0) {
    tags.push(withVariant(`${parsed.major}.${parsed.minor}`, variant));
    if (parsed.major > 0) tags.push(withVariant(`${parsed.major}`, variant));
    tags.push(variant === '' ? 'latest' : `latest-${variant}`);
  }
  return checkTags(tags, `version ${version}, variant '${variant}'`);
}

export interface ReleaseTagsInput extends VersionTagsInput {
  /** Repository path, e.g. `vastai/base-image` (image.ts `repository`). */
  repository: string;
  /** Registry host[:port][/namespace]; omitted means the Docker engine's default (Docker Hub). */
  registry?: string;
}

/** Full references `registry/repository:tag` for every version tag of one variant, full tag first. */
export function releaseTags({ repository, registry, version, variant }: ReleaseTagsInput): string[] {
  if (!REPOSITORY.test(repository)) {
    throw new TagError(
      `repository '${repository}' is not a Docker repository path (lowercase letters, digits, '.', '_', '-' in '/'-separated parts). Fix "repository" in image.ts.`,
    );
  }
  const host = registry?.replace(/\/+$/, '');
  if (host !== undefined && host !== '' && !REGISTRY.test(host)) {
    throw new TagError(
      `registry '${registry}' is not a registry host such as 127.0.0.1:5000 or docker.io. Fix --registry or VAST_REGISTRY.`,
    );
  }
  const name = host ? `${host}/${repository}` : repository;
  return versionTags({ version, variant }).map((tag) => `${name}:${tag}`);
}

/** One repository path component, as a Docker Hub namespace (an organisation or user) is: `vastai`, `vastai-staging`. */
const NAMESPACE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Why `namespace` cannot stand for a repository's namespace, or undefined when it can. */
export function validateNamespace(namespace: string): string | undefined {
  if (NAMESPACE.test(namespace)) return undefined;
  return `'${namespace}' is not a namespace: one path component of lowercase letters and digits, joined by '.', '_', '__' or '-' (e.g. vastaistaging).`;
}

/**
 * `repository` in another namespace: its first path component replaced (`vastai/base-image` in `vastaistaging` is
 * `vastaistaging/base-image`), as upstream stages to `DOCKERHUB_NAMESPACE_STAGING`. A repository without a namespace
 * gets it in front. Docker Hub allows exactly two components, so this, not a path prefix, is how staging sits there.
 */
export function repositoryInNamespace(repository: string, namespace: string): string {
  const problem = validateNamespace(namespace);
  if (problem) throw new TagError(problem);
  const slash = repository.indexOf('/');
  return `${namespace}/${slash < 0 ? repository : repository.slice(slash + 1)}`;
}
