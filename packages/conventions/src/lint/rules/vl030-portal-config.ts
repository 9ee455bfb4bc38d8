import { parsePortalConfig, validatePortalEntries } from '../../portal-config';
import { portalConfigLines } from './helpers';
import type { LintRule } from '../types';

export const portalConfigRule: LintRule = {
  code: 'VL030',
  severity: 'error',
  description: 'A default PORTAL_CONFIG set by a boot script parses, has unique labels and ports, and lists the Instance Portal first.',
  check(context, report) {
    for (const { file, line, text } of portalConfigLines(context)) {
      const parsed = parsePortalConfig(text);
      const errors = parsed.ok ? validatePortalEntries(parsed.entries) : parsed.errors;
      for (const error of errors) report({ file: file.path, line, message: `PORTAL_CONFIG: ${error}` });
      if (parsed.ok && parsed.entries[0]?.label !== 'Instance Portal') {
        report({
          file: file.path,
          line,
          message: `PORTAL_CONFIG should start with the Instance Portal entry (localhost:1111:11111:/:Instance Portal), the page users land on.`,
        });
      }
    }
  },
};
