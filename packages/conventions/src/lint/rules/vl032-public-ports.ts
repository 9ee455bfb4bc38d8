import { directEntryFindings } from './vl031-direct-entries';
import type { LintRule } from '../types';

/** The other half of VL031: an opted-in public port is allowed, and still named every time the image is linted. */
export const publicPortsRule: LintRule = {
  code: 'VL032',
  severity: 'warning',
  description: 'Names every port served without authentication, even when image.ts declares it public: true.',
  check(context, report) {
    const message = (entry: { externalPort: number; label: string }) =>
      `PORTAL_CONFIG: port ${entry.externalPort} (${JSON.stringify(entry.label)}) is served without authentication (public: true in ${context.source}).`;
    directEntryFindings(context, true, message).forEach((finding) => report(finding));
  },
};
