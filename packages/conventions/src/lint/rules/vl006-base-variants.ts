import { baseVariantKey, CUDA_RUNTIME_ARG, cudaOfFrom, cudaRuntimeLines, MINI_FROM, UPSTREAM_PYTHONS } from '../../base-matrix';
import { isMiniVariant } from '../../upstream-tags';
import type { LintRule } from '../types';

export const baseVariantsRule: LintRule = {
  code: 'VL006',
  severity: 'error',
  description:
    "A base image's production variants are named as upstream names them (<tag_template>-py<XY>, a mini <mini_tag>-py<XY>), on a Python upstream ships, with the CUDA line of their FROM image (a mini: of its runtime packages).",
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
      const runtime = variant.args[CUDA_RUNTIME_ARG];
      const key = baseVariantKey(variant.from, python, variant.cuda);
      if (key !== variant.key)
        report({
          file: 'image.json',
          at,
          message: key
            ? `variant '${variant.key}' is '${key}' upstream (FROM ${variant.from}, Python ${python}${isMiniVariant(variant) ? `, CUDA ${variant.cuda}` : ''}): a template finds its variant by that name. Rename it.`
            : `variant '${variant.key}': FROM ${variant.from} is neither ubuntu:X.Y nor nvidia/cuda:X.Y.Z-..., so it has no upstream name. Use one of upstream's FROM images.`,
        });
      const message =
        runtime === undefined ? fullCudaProblem(variant.from, variant.cuda) : miniCudaProblem(variant.from, variant.cuda, runtime);
      if (message) report({ file: 'image.json', at, message: `variant '${variant.key}': ${message}` });
    });
  },
};

/** A full variant's cuda fact is its FROM image's CUDA line; a stock FROM with one is a mini missing its runtime. */
function fullCudaProblem(from: string, cuda: string | undefined): string | undefined {
  const carried = cudaOfFrom(from);
  if (carried === cuda) return undefined;
  if (!carried && /^ubuntu:/.test(from))
    return `cuda is '${cuda}', but FROM ${from} carries no CUDA and ${CUDA_RUNTIME_ARG} is not set, so nothing would install it (upstream's mini build fails on an empty list). Set args.${CUDA_RUNTIME_ARG} (e.g. '${cuda?.replace('.', '-')}'), or no cuda.`;
  return `cuda is '${cuda ?? '(none)'}', but FROM ${from} carries ${carried ?? 'no CUDA'}. Set cuda: ${carried ? `'${carried}'` : 'nothing'}.`;
}

/** A mini (upstream's Dockerfile.runtime): FROM the stock 24.04 image, a CUDA list, its lowest line the cuda fact. */
function miniCudaProblem(from: string, cuda: string | undefined, runtime: string): string | undefined {
  if (from !== MINI_FROM)
    return `${CUDA_RUNTIME_ARG} adds CUDA to a stock image; upstream builds its minis FROM ${MINI_FROM}, not ${from}.`;
  const lines = cudaRuntimeLines(runtime);
  if (!lines?.length)
    return `${CUDA_RUNTIME_ARG} is '${runtime}': it must list one or more CUDA lines as X-Y (e.g. '12-9'); upstream fails on an empty list.`;
  if (cuda !== lines[0])
    return `cuda is '${cuda ?? '(none)'}', but ${CUDA_RUNTIME_ARG} '${runtime}' installs ${lines.join(', ')}. Set cuda: '${lines[0]}'.`;
  return undefined;
}
