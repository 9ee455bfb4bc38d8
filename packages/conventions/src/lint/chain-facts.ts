// What lint needs to know about the images an image is built FROM: its own context does not say.
import type { ResolvedImage } from '../graph';
import { imageEnv } from '../dockerfile';
import type { LintContext } from './types';

export type ChainLintFacts = Pick<LintContext, 'torchInParent' | 'inheritedEnv' | 'portalEntries' | 'variants'>;

/**
 * A derivative inherits the ENV of every image below it (an external ancestor's grafted base included, as the base is
 * an ancestor too). A base or external image starts from a foreign image whose ENV is not known here. The chain's
 * PORTAL_CONFIG entries, as image.ts files declare them, carry the `public` opt-ins VL031 and VL032 read.
 */
export function chainLintFacts(image: ResolvedImage | undefined): ChainLintFacts {
  if (!image) return { torchInParent: false, inheritedEnv: [], portalEntries: [] };
  // Ancestors are parent first, so each one's own ancestors are the ones after it (its exported facts depend on them).
  const ancestorEnv = image.ancestors.flatMap((a, i) =>
    Object.keys(imageEnv({ definition: a.definition, ancestors: image.ancestors.slice(i + 1) })),
  );
  const inherited = image.definition.class === 'derivative' ? ancestorEnv : [];
  return {
    torchInParent: image.ancestors.some((a) => a.definition.variants.some((v) => v.torch)),
    inheritedEnv: [...new Set(inherited)].sort(),
    portalEntries: image.portalEntries,
    variants: image.definition.variants,
  };
}
