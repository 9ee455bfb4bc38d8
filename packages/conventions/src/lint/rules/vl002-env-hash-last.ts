import { ENV_HASH_STEP } from '../../dockerfile';
import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const envHashLastRule: LintRule = {
  code: 'VL002',
  severity: 'error',
  description: `The last RUN writes the environment fingerprint (${ENV_HASH_STEP}); only ENTRYPOINT/CMD may follow it.`,
  check(context, report) {
    const instructions = dockerfileInstructions(context);
    const runs = instructions.filter((i) => i.keyword === 'RUN');
    const last = runs[runs.length - 1];
    if (!last || !last.args.includes(ENV_HASH_STEP)) {
      report({
        file: DOCKERFILE,
        line: last?.line,
        message: `the last RUN must end with '${ENV_HASH_STEP}' so /.env_hash describes the final image. Keep the renderer's trailer; do not add steps after it.`,
      });
      return;
    }
    const after = instructions.slice(instructions.indexOf(last) + 1).filter((i) => !['ENTRYPOINT', 'CMD'].includes(i.keyword));
    for (const ins of after)
      report({
        file: DOCKERFILE,
        line: ins.line,
        message: `${ins.keyword} after the env-hash step changes the image behind the fingerprint. Move it before the trailer.`,
      });
  },
};
