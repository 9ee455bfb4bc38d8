import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const rootOverlayRule: LintRule = {
  code: 'VL003',
  severity: 'error',
  description: 'The overlay is copied exactly once with `COPY ./ROOT /`.',
  check(context, report) {
    const copies = dockerfileInstructions(context).filter((i) => i.keyword === 'COPY' && /^\.?\/?ROOT\/?\s+\/$/.test(i.args.trim()));
    if (copies.length !== 1) {
      report({
        file: DOCKERFILE,
        line: copies[1]?.line,
        message: `found ${copies.length} 'COPY ./ROOT /' instructions; there must be exactly one, after the install steps.`,
      });
    }
  },
};
