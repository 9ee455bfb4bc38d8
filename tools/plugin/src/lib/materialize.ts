// Brings a built variant into this engine when docker-build left it in the cache registry (found there, not pulled):
// docker-build needs a parent to build FROM, smoke an image to boot, docker-push one to push. One here costs one lookup.
import { imageId, pullAs, tagImage } from '../utils/docker';
import type { BuiltVariant } from './build-result';

/** Pulls `variant.cacheRef` as its build tag (and version tag) if the engine lacks it; returns whether it is here now. */
export async function materialize(
  variant: Pick<BuiltVariant, 'key' | 'buildTag' | 'versionTag' | 'cacheRef'>,
  log: (line: string) => void,
): Promise<boolean> {
  if (await imageId(variant.buildTag)) return true;
  if (!variant.cacheRef) return false;
  log(`${variant.key}: pulling ${variant.cacheRef} (docker-build found it in the cache registry and left it there)`);
  if (!(await pullAs(variant.cacheRef, variant.buildTag))) return false;
  if (variant.versionTag) await tagImage(variant.buildTag, variant.versionTag);
  return true;
}
