import { FACT_ARGS } from '../../variant-facts';
import { lineOfMatch, runScripts } from './helpers';
import type { LintRule } from '../types';

const READS_CUDA_VERSION = /\$\{?CUDA_VERSION\b/;

export const cudaFactRule: LintRule = {
  code: 'VL024',
  severity: 'warning',
  description: `Steps read the variant's CUDA line as \${${FACT_ARGS.cuda}}: every nvidia/cuda base sets ENV CUDA_VERSION, which beats a build arg.`,
  check(context, report) {
    for (const script of runScripts(context)) {
      const line = lineOfMatch(script, READS_CUDA_VERSION);
      if (line !== undefined) {
        report({
          file: script.file,
          line,
          message: `reads \${CUDA_VERSION}, which on an nvidia/cuda base is that image's ENV (e.g. 12.9.1), whatever the variant says. For the variant's cuda fact (MAJOR.MINOR) use \${${FACT_ARGS.cuda}}; keep CUDA_VERSION only if the base's full version is what you mean.`,
        });
      }
    }
  },
};
