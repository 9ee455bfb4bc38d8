import { launchScriptPath } from '../../supervisor';
import { SUPERVISOR_CONF_DIR, SUPERVISOR_SCRIPTS_DIR } from '../../runtime-contract';
import { filesUnder } from './helpers';
import type { LintRule } from '../types';

export const supervisorProgramRule: LintRule = {
  code: 'VL010',
  severity: 'error',
  description: `Each supervisor conf declares [program:<file stem>] with PROC_NAME in its environment and command=${SUPERVISOR_SCRIPTS_DIR}/<stem>.sh.`,
  check(context, report) {
    for (const conf of filesUnder(context, `ROOT${SUPERVISOR_CONF_DIR}/`).filter((f) => f.path.endsWith('.conf'))) {
      const stem = conf.path.slice(conf.path.lastIndexOf('/') + 1, -'.conf'.length);
      const programs = [...conf.content.matchAll(/^\[program:([^\]]+)\]/gm)].map((m) => m[1]);
      if (!programs.includes(stem)) {
        report({
          file: conf.path,
          message: `declares ${programs.length ? programs.map((p) => `[program:${p}]`).join(', ') : 'no program'}; it must declare [program:${stem}] (the file stem), so logs, skip markers and the portal agree on the name.`,
        });
        continue;
      }
      if (!/^environment=.*\bPROC_NAME=/m.test(conf.content)) {
        report({
          file: conf.path,
          message: `environment has no PROC_NAME; add environment=PROC_NAME="%(program_name)s" (the utils log and skip by it).`,
        });
      }
      const command = /^command=(.*)$/m.exec(conf.content)?.[1]?.trim();
      const expected = launchScriptPath({ name: stem });
      if (command !== expected) report({ file: conf.path, message: `command=${command ?? '(none)'}; it must be command=${expected}.` });
    }
  },
};
