// dist/builds/<name>/build-result.json: what docker-build writes once every selected variant is built, and what
// smoke, docker-push (and the release command) read. One shape and one place for the writer and the readers. Next to
// it, push-result.json: what docker-push writes and the release command reads to decide which versions to tag.

const BUILD_RESULT = 'build-result.json';
const PUSH_RESULT = 'push-result.json';

/**
 * Workspace-relative folder of docker-build's and docker-push's records for an image. Not dist/images/<name>: that
 * is the build target's output, which Nx empties whenever it restores the context from its cache (any lint or build
 * run between docker-build and docker-push would take the record with it).
 */
const recordsDirOf = (image: string) => `dist/builds/${image}`;

/** Workspace-relative path of an image's build-result.json. */
export const buildResultFileOf = (image: string) => `${recordsDirOf(image)}/${BUILD_RESULT}`;

/** Workspace-relative path of an image's push-result.json. */
export const pushResultFileOf = (image: string) => `${recordsDirOf(image)}/${PUSH_RESULT}`;

export interface BuiltVariant {
  key: string;
  /** The one platform it was built for (docker-build --platform); docker-push pushes it under `-<arch>` names. */
  platform?: 'linux/amd64' | 'linux/arm64';
  /** Content-addressed local tag, `<repository>:build-<hash12>`. */
  buildTag: string;
  /** `<repository>:<version>-<variant>`, the human tag docker-build also sets (the push derives its own tags). */
  versionTag?: string;
  /** `sha256:...` image id docker-build saw; the push refuses if the tag now points elsewhere. */
  imageId: string;
  /**
   * Set when docker-build found this build in the cache registry and did not pull it (nothing needed it here): the
   * reference smoke and docker-push pull it from (lib/materialize).
   */
  cacheRef?: string;
  /** `<repository>:<tag>-<variant>` of a manual build's --tag; docker-push pushes them after the release tags. */
  extraTags?: string[];
}

export interface BuildResult {
  name: string;
  repository: string;
  version: string;
  /** The profile the variants were built for; lets the push check that every variant of it was built. */
  profile?: 'production' | 'local';
  /** A manual build's --arg overrides: such a build is not the release of `version`, so it gets no semver tag. */
  overrides?: Record<string, string>;
  variants: BuiltVariant[];
}
