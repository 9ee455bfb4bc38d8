// What lint needs to know about the images an image is built FROM: its own context does not say.
import type { ResolvedImage } from '../graph';
import { exportedFacts, FACT_ARGS } from '../variant-facts';
import type { LintContext } from './types';

export type ChainLintFacts = Pick<LintContext, 'torchInParent' | 'inheritedEnv'>;

/**
 * A derivative inherits the ENV of every image below it (an external ancestor's grafted base included, as the base is
 * an ancestor too). A base or external image starts from a foreign image whose ENV is not known here.
 */
export function chainLintFacts(image: ResolvedImage | undefined): ChainLintFacts {
  if (!image) return { torchInParent: false, inheritedEnv: [] };
  // Ancestors are parent first, so each one's own ancestors are the ones after it; its exported facts are ENV too.
  const ancestorEnv = image.ancestors.flatMap((a, i) => [
    ...Object.keys(a.definition.env),
    ...exportedFacts({ definition: a.definition, ancestors: image.ancestors.slice(i + 1) }).map((f) => FACT_ARGS[f]),
  ]);
  const inherited = image.definition.class === 'derivative' ? ancestorEnv : [];
  return {
    torchInParent: image.ancestors.some((a) => a.definition.variants.some((v) => v.torch)),
    inheritedEnv: [...new Set(inherited)].sort(),
  };
}
