import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const envFormRule: LintRule = {
  code: 'VL005',
  severity: 'error',
  description: 'ENV and ARG use the KEY=value form, never the legacy `ENV KEY value`.',
  check(context, report) {
    for (const ins of dockerfileInstructions(context)) {
      if (ins.keyword === 'ENV' && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(ins.args.trim())) {
        report({ file: DOCKERFILE, line: ins.line, message: `'ENV ${ins.args}' is the legacy form. Write ENV KEY=value.` });
      }
    }
  },
};
