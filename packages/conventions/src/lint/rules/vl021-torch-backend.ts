import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const torchBackendRule: LintRule = {
  code: 'VL021',
  severity: 'error',
  description: "`--torch-backend` names a concrete backend (cu128, cpu, ...), never 'auto'.",
  check(context, report) {
    for (const ins of dockerfileInstructions(context).filter((i) => i.keyword === 'RUN')) {
      if (/--torch-backend[= ]+["']?auto\b/.test(ins.args)) {
        report({ file: DOCKERFILE, line: ins.line, message: `--torch-backend auto picks a backend from the build machine's driver, so the image depends on where it was built. Use the variant's torchBackend (\${PYTORCH_BACKEND}).` });
      }
    }
  },
};
