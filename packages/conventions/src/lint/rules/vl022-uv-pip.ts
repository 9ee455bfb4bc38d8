import { lineOfMatch, runScripts } from './helpers';
import type { LintRule } from '../types';

/** `pip install` as a command (after a separator or space), unless it is `uv pip install`. */
const BARE_PIP = /(^|[;&|]\s*|\s)(?<!\buv\s)pip3? install\b/;

export const uvPipRule: LintRule = {
  code: 'VL022',
  severity: 'warning',
  description: 'Derived images install Python packages with `uv pip`, not bare `pip`.',
  check(context, report) {
    if (context.class === 'base') return;
    for (const script of runScripts(context)) {
      const line = lineOfMatch(script, BARE_PIP);
      if (line !== undefined)
        report({
          file: script.file,
          line,
          message: `uses bare pip install; use uv pip install (faster, and it respects the venv's torch pins).`,
        });
    }
  },
};
