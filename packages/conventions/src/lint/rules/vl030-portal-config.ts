import { parsePortalConfig, validatePortalEntries } from '../../portal-config';
import { BOOT_DIR } from '../../boot-env';
import { filesUnder } from './helpers';
import type { LintRule } from '../types';

export const portalConfigRule: LintRule = {
  code: 'VL030',
  severity: 'error',
  description: 'A default PORTAL_CONFIG set by a boot script parses, has unique labels and ports, and lists the Instance Portal first.',
  check(context, report) {
    for (const file of filesUnder(context, `ROOT${BOOT_DIR}/`)) {
      file.content.split('\n').forEach((line, i) => {
        const m = /^\s*(?:export\s+)?PORTAL_CONFIG="\$\{PORTAL_CONFIG:-(.*)\}"\s*$/.exec(line) ?? /^\s*(?:export\s+)?PORTAL_CONFIG="(.*)"\s*$/.exec(line);
        if (!m) return;
        const text = m[1].replace(/\\(.)/g, '$1');
        const parsed = parsePortalConfig(text);
        const errors = parsed.ok ? validatePortalEntries(parsed.entries) : parsed.errors;
        for (const error of errors) report({ file: file.path, line: i + 1, message: `PORTAL_CONFIG: ${error}` });
        if (parsed.ok && parsed.entries[0]?.label !== 'Instance Portal') {
          report({ file: file.path, line: i + 1, message: `PORTAL_CONFIG should start with the Instance Portal entry (localhost:1111:11111:/:Instance Portal), the page users land on.` });
        }
      });
    }
  },
};
