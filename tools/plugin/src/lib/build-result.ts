// dist/images/<name>/build-result.json: what docker-build writes once every selected variant is built, and what
// docker-push (and the release command) read. One shape for the writer and the readers.

export const BUILD_RESULT = 'build-result.json';

export interface BuiltVariant {
  key: string;
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
}

export interface BuildResult {
  name: string;
  repository: string;
  version: string;
  /** The profile the variants were built for; lets the push check that every variant of it was built. */
  profile?: 'production' | 'local';
  variants: BuiltVariant[];
}
