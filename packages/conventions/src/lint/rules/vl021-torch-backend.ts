import { lineOfMatch, runScripts } from './helpers';
import type { LintRule } from '../types';

const AUTO_BACKEND = /--torch-backend[= ]+["']?auto\b/;

export const torchBackendRule: LintRule = {
  code: 'VL021',
  severity: 'error',
  description: "`--torch-backend` names a concrete backend (cu128, cpu, ...), never 'auto'.",
  check(context, report) {
    for (const script of runScripts(context)) {
      const line = lineOfMatch(script, AUTO_BACKEND);
      if (line !== undefined) {
        report({
          file: script.file,
          line,
          message: `--torch-backend auto picks a backend from the build machine's driver, so the image depends on where it was built. Use the variant's torchBackend (\${PYTORCH_BACKEND}).`,
        });
      }
    }
  },
};
