import { parsePortalConfig, unauthenticatedEntries } from '../../portal-config';
import type { PortalEntry } from '../../schema';
import { portalConfigLines } from './helpers';
import type { LintContext, LintRule } from '../types';

/** Each unauthenticated entry of each default PORTAL_CONFIG, with whether image.ts declares it `public: true`. */
export function unauthenticatedPortalEntries(context: LintContext) {
  return portalConfigLines(context).flatMap(({ file, line, text }) => {
    const parsed = parsePortalConfig(text);
    if (!parsed.ok) return [];
    return unauthenticatedEntries(parsed.entries).map((entry) => ({ file, line, entry, declaredPublic: isDeclaredPublic(context, entry) }));
  });
}

function isDeclaredPublic(context: LintContext, entry: PortalEntry): boolean {
  return !!context.portalEntries?.some(
    (e) => e.public === true && e.label.toLowerCase() === entry.label.toLowerCase() && e.externalPort === entry.externalPort && e.internalPort === entry.internalPort,
  );
}

export const directEntriesRule: LintRule = {
  code: 'VL031',
  severity: 'error',
  description: 'A direct PORTAL_CONFIG entry with no Caddy site on its port (so no authentication) is declared public: true in image.ts.',
  check(context, report) {
    for (const { file, line, entry, declaredPublic } of unauthenticatedPortalEntries(context)) {
      if (declaredPublic) continue;
      report({
        file: file.path,
        line,
        message:
          `PORTAL_CONFIG: port ${entry.externalPort} (${JSON.stringify(entry.label)}) is a direct entry with no Caddy site: anyone who reaches the port ` +
          `gets in without authentication. If that is meant, set public: true on its entry in ${context.source}; otherwise give it an ` +
          `internal port of its own (e.g. ${entry.externalPort + 10000 <= 65535 ? entry.externalPort + 10000 : entry.externalPort - 1}) so Caddy serves it with auth.`,
      });
    }
  },
};
