import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const uvPipRule: LintRule = {
  code: 'VL022',
  severity: 'warning',
  description: 'Derived images install Python packages with `uv pip`, not bare `pip`.',
  check(context, report) {
    if (context.class === 'base') return;
    for (const ins of dockerfileInstructions(context).filter((i) => i.keyword === 'RUN')) {
      if (/(^|[;&|]\s*|\s)pip3? install\b/.test(ins.args.replace(/\buv pip install\b/g, ''))) {
        report({ file: DOCKERFILE, line: ins.line, message: `uses bare pip install; use uv pip install (faster, and it respects the venv's torch pins).` });
      }
    }
  },
};
