// Build platforms: what a variant's `platforms` means for one build, for the local root it builds FROM and for the
// per-architecture staging tags upstream merges into one manifest list (upstream-runtime.md §4.3). Pure.
import type { Platform } from './base-matrix';
import type { Arch } from './upstream-tag-grammar';

/** The platforms a variant may declare (image.ts `platforms`), and the architecture each one's staging tags end with. */
export const PLATFORM_ARCH = { 'linux/amd64': 'amd64', 'linux/arm64': 'arm64' } as const satisfies Record<string, Arch>;

export const isPlatform = (value: string): value is Platform => Object.hasOwn(PLATFORM_ARCH, value);

/** `linux/arm64` -> `arm64`: the suffix of a per-platform tag (upstream's `<tag>-arm64`) and debootstrap's `--arch`. */
export const archOf = (platform: Platform): Arch => PLATFORM_ARCH[platform];

/** `1.2.0-local` on linux/arm64 -> `1.2.0-local-arm64`: what a one-platform build is tagged and pushed as before the merge. */
export const platformTag = (tag: string, platform: Platform): string => `${tag}-${archOf(platform)}`;

/**
 * The local root for one platform: `vast-local/bookworm:latest` -> `vast-local/bookworm:latest-arm64`. A registry
 * image serves every platform under one name; an engine-made root holds one, so each platform gets its own tag.
 */
export function platformRootRef(ref: string, platform: Platform): string {
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon === -1 ? `${ref}:latest-${archOf(platform)}` : platformTag(ref, platform);
}

/**
 * Which platforms one docker-build run builds a variant for: `undefined` (none chosen) is one build for the engine's
 * own architecture, without `--platform`; `all` is each platform the variant declares; otherwise the one named, which
 * the variant must declare. Returns an error (what and the fix) instead of a list when the choice does not fit.
 */
export function buildPlatformsOf(
  variant: { key: string; platforms?: readonly string[] },
  chosen: string | undefined,
): { ok: true; platforms: Array<Platform | undefined> } | { ok: false; error: string } {
  if (chosen === undefined) return { ok: true, platforms: [undefined] };
  const declared = (variant.platforms ?? []).filter(isPlatform);
  if (chosen === 'all') return { ok: true, platforms: declared.length ? declared : [undefined] };
  if (!isPlatform(chosen)) {
    return { ok: false, error: `--platform ${chosen}: not a platform. Use one of: ${Object.keys(PLATFORM_ARCH).join(', ')}, or all.` };
  }
  if (!declared.includes(chosen)) {
    return {
      ok: false,
      error: `variants: '${variant.key}' declares platforms ${declared.length ? declared.join(', ') : "(none: the engine's own only)"}, not ${chosen}. Add '${chosen}' to its platforms, or build another platform.`,
    };
  }
  return { ok: true, platforms: [chosen] };
}
