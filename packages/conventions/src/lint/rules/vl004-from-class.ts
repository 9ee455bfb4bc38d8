import { BASE_ARG, BASE_STAGE, GRAFT_PACKAGES_SCRIPT, GRAFT_SCRIPT, PARENT_ARG, UPSTREAM_ARG, VAST_BASE_ARG } from '../../dockerfile';
import { dockerfileInstructions, DOCKERFILE } from './helpers';
import type { LintRule } from '../types';

export const fromClassRule: LintRule = {
  code: 'VL004',
  severity: 'error',
  description:
    'FROM matches the class: base from ${BASE_IMAGE}; derivative from ${PARENT_IMAGE}; external from ${VAST_BASE} AS vast_base_image, then ${UPSTREAM_IMAGE}, grafted.',
  check(context, report) {
    const instructions = dockerfileInstructions(context);
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => ({ ...i, args: i.args.trim() }));
    const expected =
      context.class === 'base'
        ? [`\${${BASE_ARG}}`]
        : context.class === 'derivative'
          ? [`\${${PARENT_ARG}}`]
          : [`\${${VAST_BASE_ARG}} AS ${BASE_STAGE}`, `\${${UPSTREAM_ARG}}`];
    const actual = froms.map((f) => f.args);
    if (actual.join('\n') !== expected.join('\n')) {
      report({
        file: DOCKERFILE,
        line: froms[0]?.line,
        message: `a ${context.class} image is built 'FROM ${expected.join("' then 'FROM ")}', not 'FROM ${actual.join("' then 'FROM ") || '(nothing)'}'. The class is set in image.ts.`,
      });
    }
    if (context.class === 'external') {
      // Both halves, packages first: graft.sh expects what graft-packages.sh installs.
      const runs = (script: string) => instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes(script));
      const grafted =
        instructions.some((i) => i.keyword === 'COPY' && i.args.includes(`--from=${BASE_STAGE}`)) &&
        runs(GRAFT_PACKAGES_SCRIPT) >= 0 &&
        runs(GRAFT_PACKAGES_SCRIPT) < runs(GRAFT_SCRIPT);
      if (!grafted)
        report({
          file: DOCKERFILE,
          message: `an external image must copy the base stage's graft kit (--from=${BASE_STAGE}) and run ${GRAFT_PACKAGES_SCRIPT}, then ${GRAFT_SCRIPT}.`,
        });
    }
  },
};
