// docker-build --prune=N: which `build-*` tags of one variant to untag, given what the engine lists. Pure; the executor
// lists the tags (by the labels every build carries) and untags what this returns.
import { BUILD_LABELS } from '@vast/conventions';

/** One `build-*` tag the engine holds for a variant, with its image's creation time. */
export interface BuildTagEntry {
  ref: string;
  /** The image's creation time, ms since the epoch. */
  created: number;
}

/**
 * The tags to untag so that only the `keep` newest builds of the variant stay. `protect` (the builds this run made or
 * used) are never untagged and count towards `keep`. Ties (several tags of one image) keep the same order as listed.
 */
export function planPrune(entries: BuildTagEntry[], keep: number, protect: ReadonlySet<string>): string[] {
  const newestFirst = [...entries].sort((a, b) => b.created - a.created);
  const kept = new Set(newestFirst.filter((e) => protect.has(e.ref)).map((e) => e.ref));
  for (const entry of newestFirst) if (kept.size < keep) kept.add(entry.ref);
  return newestFirst.filter((e) => !kept.has(e.ref)).map((e) => e.ref);
}

/** `docker image ls` arguments that list the build tags of one variant of an image, one `<repository>:<tag>` a line. */
export function listBuildTagsArgv(repository: string, image: string, variant: string): string[] {
  return [
    'image',
    'ls',
    '--filter',
    `reference=${repository}:build-*`,
    '--filter',
    `label=${BUILD_LABELS.image}=${image}`,
    '--filter',
    `label=${BUILD_LABELS.variant}=${variant}`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ];
}

/** `docker image inspect` arguments that print each ref's creation time (RFC 3339, nanoseconds: `image ls` has seconds). */
export const createdArgv = (refs: string[]) => ['image', 'inspect', '--format', '{{.Created}}', ...refs];

/** Pairs the listed refs with the creation times `docker image inspect` printed for them, in the same order. */
export function parseCreated(refs: string[], stdout: string): BuildTagEntry[] {
  const times = stdout.split('\n').filter(Boolean);
  // JavaScript's Date reads milliseconds; Docker prints up to nanoseconds.
  return refs.map((ref, i) => ({ ref, created: Date.parse((times[i] ?? '').replace(/(\.\d{3})\d+/, '$1')) }));
}
