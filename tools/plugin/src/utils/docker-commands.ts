// The docker command lines the executors run (tag, push, manifest lookups), and parsers for what they print. Pure.

export const inspectImageArgv = (ref: string) => ['image', 'inspect', '--format', '{{.Id}}', ref];
/** Ids and tags of several images in one call (a missing one makes the exit code non-zero; the rest still print). */
export const inspectIdsArgv = (refs: readonly string[]) => ['image', 'inspect', '--format', '{{.Id}} {{json .RepoTags}}', ...refs];
export const pullArgv = (ref: string) => ['pull', '--quiet', ref];
export const repoDigestsArgv = (ref: string) => ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref];
/** `--verbose` gives the manifest's own digest and the config digest (= the image id) in one JSON object. */
export const remoteManifestArgv = (ref: string, insecure: boolean) => [
  'manifest',
  'inspect',
  ...(insecure ? ['--insecure'] : []),
  '--verbose',
  ref,
];
export const tagArgv = (source: string, target: string) => ['tag', source, target];
export const pushArgv = (target: string) => ['push', target];
export const untagArgv = (ref: string) => ['image', 'rm', '--no-prune', ref];

export interface RemoteManifest {
  /** Digest of the manifest the tag points at. */
  digest: string;
  /** Digest of the image config: equal to the local image id when the same image is already there. */
  configDigest?: string;
}

/**
 * Reads `docker manifest inspect --verbose` output. A manifest list (an array) has no single config,
 * so it never counts as "the same image": it is pushed over.
 */
export function parseRemoteManifest(stdout: string): RemoteManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as {
    Descriptor?: { digest?: unknown };
    SchemaV2Manifest?: { config?: { digest?: unknown } };
    OCIManifest?: { config?: { digest?: unknown } };
  };
  const digest = v.Descriptor?.digest;
  if (typeof digest !== 'string') return undefined;
  const config = v.SchemaV2Manifest?.config?.digest ?? v.OCIManifest?.config?.digest;
  return { digest, ...(typeof config === 'string' ? { configDigest: config } : {}) };
}

/**
 * Every manifest digest in `docker manifest inspect --verbose` output, sorted: one for a single-platform image, one per
 * platform for a manifest list. Together they change whenever the tag is pointed at other content.
 */
export function manifestDigests(stdout: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const entries = Array.isArray(value) ? value : [value];
  const digests = entries.map((e) => (e as { Descriptor?: { digest?: unknown } } | null)?.Descriptor?.digest);
  return digests.length && digests.every((d): d is string => typeof d === 'string') ? [...digests].sort() : undefined;
}

/** `docker manifest inspect` says this when the tag does not exist (as opposed to an unreachable registry). */
export const isManifestMissing = (stderr: string) => /no such manifest|manifest unknown|not found/i.test(stderr);

/** The digest `name@sha256:...` for the pushed reference's repository, from `{{json .RepoDigests}}`. */
export function digestFor(target: string, repoDigestsJson: string): string | undefined {
  const name = target.slice(0, target.lastIndexOf(':'));
  let digests: unknown;
  try {
    digests = JSON.parse(repoDigestsJson);
  } catch {
    return undefined;
  }
  if (!Array.isArray(digests)) return undefined;
  const match = digests.find((d): d is string => typeof d === 'string' && d.startsWith(`${name}@`));
  return match?.slice(name.length + 1);
}
