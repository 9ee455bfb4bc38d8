import { baseVariantKey, cudaOfFrom, UPSTREAM_PYTHONS } from '../../base-matrix';
import type { LintRule } from '../types';

export const baseVariantsRule: LintRule = {
  code: 'VL006',
  severity: 'error',
  description:
    "A base image's production variants are named as upstream names them (<tag_template>-py<XY>), on a Python upstream ships, with the CUDA line of their FROM image.",
  check(context, report) {
    if (context.class !== 'base') return;
    (context.variants ?? []).forEach((variant, i) => {
      if (variant.local || !variant.from) return;
      const at = `${context.source} variants[${i}] (key "${variant.key}")`;
      const python = variant.python ?? '';
      if (!(UPSTREAM_PYTHONS as readonly string[]).includes(python))
        report({
          file: 'image.json',
          at,
          message: `variant '${variant.key}': python '${python}' is not one upstream ships (${UPSTREAM_PYTHONS.join(', ')}).`,
        });
      const key = baseVariantKey(variant.from, python);
      if (key !== variant.key)
        report({
          file: 'image.json',
          at,
          message: key
            ? `variant '${variant.key}' is '${key}' upstream (FROM ${variant.from}, Python ${python}): a template finds its variant by that name. Rename it.`
            : `variant '${variant.key}': FROM ${variant.from} is neither ubuntu:X.Y nor nvidia/cuda:X.Y.Z-..., so it has no upstream name. Use one of upstream's FROM images.`,
        });
      const cuda = cudaOfFrom(variant.from);
      if (cuda !== variant.cuda)
        report({
          file: 'image.json',
          at,
          message: `variant '${variant.key}': cuda is '${variant.cuda ?? '(none)'}', but FROM ${variant.from} carries ${cuda ?? 'no CUDA'}. Set cuda: ${cuda ? `'${cuda}'` : 'nothing'}.`,
        });
    });
  },
};
