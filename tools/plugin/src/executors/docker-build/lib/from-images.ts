// What the FROM images of a build chain are, by content, for the content hash: a tag such as ubuntu:24.04 or
// vast-local/bookworm:latest moves, and a build whose hash covered only the name would stay "up to date" on top of
// the old image forever.
import { platformRootRef, type ImageManifest, type Platform } from '@vast/conventions';
import { DockerError, imageId, registryDigests } from '../../../utils/docker';
import localRootExecutor from '../../local-root/executor';
import { logger } from '@nx/devkit';

/**
 * Local variants build FROM images made on this machine (the Debian root, stand-ins for upstreams): each enters the
 * hash by image id. The local root is made here when missing, so a fresh machine's first `docker-build -c local` works;
 * with `platforms` (docker-build --platform), the root of each platform a variant declares (`<root>-<arch>`).
 */
export async function localFromIds(
  chain: ImageManifest[],
  platforms: ReadonlyArray<Platform | undefined> = [undefined],
): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const manifest of chain) {
    for (const v of manifest.variants.filter((v) => v.local && v.from)) {
      for (const platform of platforms.filter((p) => p === undefined || v.platforms?.includes(p))) {
        const ref = platform ? platformRootRef(v.from as string, platform) : (v.from as string);
        let id = await imageId(ref);
        if (!id) {
          logger.log(`${manifest.name}:${v.key} builds FROM ${ref}, which the engine does not have yet: making it (local-root)`);
          const made = await localRootExecutor({ image: v.from as string, ...(platform ? { platform } : {}) });
          id = made.success ? await imageId(ref) : undefined;
          if (!id)
            throw new DockerError(
              `${manifest.source}: variants: ${v.key} builds FROM ${ref}, which could not be made; see the local-root output above (nx run ${manifest.name}:local-root${platform ? ` --platform=${platform}` : ''}).`,
            );
        }
        ids[ref] = id;
      }
    }
    for (const v of manifest.variants.filter((v) => v.local && v.upstream)) {
      const id = await imageId(v.upstream as string);
      if (!id)
        throw new DockerError(
          `${manifest.source}: variants: ${v.key} grafts onto ${v.upstream}, which the engine does not have. Build or load it first (offline builds cannot pull).`,
        );
      ids[v.upstream as string] = id;
    }
  }
  return ids;
}

/**
 * Production variants build FROM registry images (a base's `from`, an external's `upstream`): each enters the hash by
 * the digests its registry serves for the tag now (one manifest lookup each, all at once). When the registry cannot
 * be asked, the engine's copy stands in by id; failing that the build goes on hashed by name, with a warning.
 */
export async function registryFromDigests(chain: ImageManifest[], warn: (line: string) => void): Promise<Record<string, string>> {
  const refs = new Set<string>();
  for (const manifest of chain) {
    for (const v of manifest.variants.filter((v) => !v.local)) {
      if (v.from) refs.add(v.from);
      if (v.upstream) refs.add(v.upstream);
    }
  }
  const resolved = await Promise.all(
    [...refs].map(async (ref): Promise<[string, string | undefined]> => {
      const digests = await registryDigests(ref);
      if (digests) return [ref, digests.join(',')];
      const id = await imageId(ref);
      if (id) warn(`${ref}: its registry did not answer, so the engine's copy (${id.slice(0, 19)}) stands for it in the content hash`);
      else
        warn(
          `${ref}: neither its registry nor the engine knows it, so only its name is in the content hash (an update to the tag will not rebuild)`,
        );
      return [ref, id];
    }),
  );
  return Object.fromEntries(resolved.filter((entry): entry is [string, string] => entry[1] !== undefined));
}
