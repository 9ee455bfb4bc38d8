import { overlayShellScripts } from './helpers';
import type { LintRule } from '../types';

export const shellHeaderRule: LintRule = {
  code: 'VL060',
  severity: 'error',
  description: 'Every shell script in ROOT starts with a bash shebang and a one-line comment saying what it does and when it runs.',
  check(context, report) {
    for (const file of overlayShellScripts(context)) {
      const [first = '', second = ''] = file.content.split('\n');
      if (!/^#!\s*(\/bin\/bash|\/usr\/bin\/env bash)\b/.test(first)) {
        report({
          file: file.path,
          line: 1,
          message: `starts with '${first.slice(0, 40)}'; start it with #!/bin/bash (the scripts use bash features).`,
        });
      } else if (!/^#\s*\S/.test(second) || /^#\s*shellcheck/.test(second)) {
        report({ file: file.path, line: 2, message: `line 2 must be a comment saying what the script does and when it runs.` });
      }
    }
  },
};
