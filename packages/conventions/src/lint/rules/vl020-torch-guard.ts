import { TORCH_GUARD } from '../../dockerfile';
import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const torchGuardRule: LintRule = {
  code: 'VL020',
  severity: 'error',
  description: 'In an image whose parent ships torch, every RUN that installs Python packages checks that torch is unchanged.',
  check(context, report) {
    if (!context.torchInParent) return;
    for (const ins of dockerfileInstructions(context).filter((i) => i.keyword === 'RUN')) {
      if (!/\bpip install\b/.test(ins.args)) continue;
      const guarded = ins.args.includes(`${TORCH_GUARD.pre}=`) && ins.args.includes(`${TORCH_GUARD.post}=`) && ins.args.includes(TORCH_GUARD.test);
      if (!guarded) report({ file: DOCKERFILE, line: ins.line, message: `installs Python packages over the parent's torch without the torch-version guard. Set torchGuard: true on this step in image.ts.` });
    }
  },
};
