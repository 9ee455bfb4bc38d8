import { BOOT_DIR, INSTANCE_TOOLS_BIN, SUPERVISOR_SCRIPTS_DIR } from '../../runtime-contract';
import type { LintRule } from '../types';

const EXECUTABLE_DIRS = [`ROOT${SUPERVISOR_SCRIPTS_DIR}/`, `ROOT${BOOT_DIR}/`, `ROOT${INSTANCE_TOOLS_BIN}/`];

export const executableRule: LintRule = {
  code: 'VL012',
  severity: 'error',
  description: 'Launch scripts, boot stages and instance tools are executable.',
  check(context, report) {
    for (const file of context.files) {
      if (!EXECUTABLE_DIRS.some((d) => file.path.startsWith(d)) || file.path.endsWith('.md')) continue;
      if (!(file.mode & 0o100))
        report({ file: file.path, message: `is not executable. Run chmod +x on it in the project's ROOT/ (git keeps the bit).` });
    }
  },
};
