import { SUPERVISOR_UTILS } from '../../supervisor';
import { SUPERVISOR_SCRIPTS_DIR } from '../../runtime-contract';
import { filesUnder } from './helpers';
import type { LintRule } from '../types';

export const utilsOrderRule: LintRule = {
  code: 'VL011',
  severity: 'error',
  description: `Launch scripts source the supervisor utils in the canonical order: ${SUPERVISOR_UTILS.join(' -> ')}.`,
  check(context, report) {
    const scripts = filesUnder(context, `ROOT${SUPERVISOR_SCRIPTS_DIR}/`).filter((f) =>
      /^[^/]+\.sh$/.test(f.path.slice(`ROOT${SUPERVISOR_SCRIPTS_DIR}/`.length)),
    );
    for (const script of scripts) {
      const sourced = [...script.content.matchAll(/^\s*(?:\.|source)\s+\S*\/utils\/([a-z_]+)\.sh/gm)].map((m) => ({
        util: m[1],
        index: m.index ?? 0,
      }));
      let position = -1;
      for (const { util, index } of sourced) {
        const rank = (SUPERVISOR_UTILS as readonly string[]).indexOf(util);
        if (rank === -1) continue;
        if (rank < position) {
          const line = script.content.slice(0, index).split('\n').length;
          report({
            file: script.path,
            line,
            message: `sources ${util}.sh after ${SUPERVISOR_UTILS[position]}.sh; the order is ${SUPERVISOR_UTILS.join(' -> ')}.`,
          });
        }
        position = Math.max(position, rank);
      }
    }
  },
};
