import { TORCH_GUARD } from '../../step-script';
import { lineOfMatch, runScripts } from './helpers';
import type { LintRule } from '../types';

const PIP_INSTALL = /\bpip install\b/;

export const torchGuardRule: LintRule = {
  code: 'VL020',
  severity: 'error',
  description: 'In an image whose parent ships torch, every RUN that installs Python packages checks that torch is unchanged.',
  check(context, report) {
    if (!context.torchInParent) return;
    for (const script of runScripts(context)) {
      const line = lineOfMatch(script, PIP_INSTALL);
      if (line === undefined) continue;
      const guarded =
        script.text.includes(`${TORCH_GUARD.pre}=`) &&
        script.text.includes(`${TORCH_GUARD.post}=`) &&
        script.text.includes(TORCH_GUARD.test);
      if (!guarded)
        report({
          file: script.file,
          line,
          message: `installs Python packages over the parent's torch without the torch-version guard. Set torchGuard: true on this step in image.ts.`,
        });
    }
  },
};
