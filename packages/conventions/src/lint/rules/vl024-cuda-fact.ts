import { FACT_ARGS } from '../../variant-facts';
import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const cudaFactRule: LintRule = {
  code: 'VL024',
  severity: 'warning',
  description: `Steps read the variant's CUDA line as \${${FACT_ARGS.cuda}}: every nvidia/cuda base sets ENV CUDA_VERSION, which beats a build arg.`,
  check(context, report) {
    for (const ins of dockerfileInstructions(context).filter((i) => i.keyword === 'RUN')) {
      if (/\$\{?CUDA_VERSION\b/.test(ins.args)) {
        report({
          file: DOCKERFILE,
          line: ins.line,
          message: `reads \${CUDA_VERSION}, which on an nvidia/cuda base is that image's ENV (e.g. 12.9.1), whatever the variant says. For the variant's cuda fact (MAJOR.MINOR) use \${${FACT_ARGS.cuda}}; keep CUDA_VERSION only if the base's full version is what you mean.`,
        });
      }
    }
  },
};
