import { LABEL_KEYS } from '../../dockerfile';
import { dockerfileInstructions, finalStage, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

const REQUIRED: readonly string[] = LABEL_KEYS;

export const labelsRule: LintRule = {
  code: 'VL001',
  severity: 'error',
  description: 'The final stage sets exactly three LABELs: source, description and maintainer.',
  check(context, report) {
    const labels = finalStage(dockerfileInstructions(context))
      .filter((i) => i.keyword === 'LABEL')
      .flatMap((i) => (i.properties ?? []).map(([k]) => ({ key: k, line: i.line })));
    const keys = labels.map((l) => l.key);
    for (const key of REQUIRED) {
      if (!keys.includes(key))
        report({
          file: DOCKERFILE,
          message: `LABEL ${key} is missing. The renderer sets it from image.ts 'description'; rebuild with nx run ${context.image}:build.`,
        });
    }
    for (const label of labels) {
      if (!REQUIRED.includes(label.key))
        report({
          file: DOCKERFILE,
          line: label.line,
          message: `LABEL ${label.key} is one too many: images carry exactly ${REQUIRED.join(', ')}. Remove it.`,
        });
    }
  },
};
