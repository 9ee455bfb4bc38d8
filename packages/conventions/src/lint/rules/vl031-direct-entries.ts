import { parsePortalConfig, unauthenticatedEntries } from '../../portal-config';
import type { PortalEntry } from '../../schema';
import { portalConfigLines } from './helpers';
import type { LintContext, LintFinding, LintRule } from '../types';

/**
 * A finding per unauthenticated entry of each default PORTAL_CONFIG whose opt-in (`public: true` on its entry in
 * image.ts) is `declaredPublic`: VL031 reports those without it, VL032 those with it.
 */
export function directEntryFindings(
  context: LintContext,
  declaredPublic: boolean,
  message: (entry: PortalEntry) => string,
): Array<Omit<LintFinding, 'code' | 'severity'>> {
  return portalConfigLines(context).flatMap(({ file, line, text }) => {
    const parsed = parsePortalConfig(text);
    if (!parsed.ok) return [];
    return unauthenticatedEntries(parsed.entries)
      .filter((entry) => isDeclaredPublic(context, entry) === declaredPublic)
      .map((entry) => ({ file: file.path, line, message: message(entry) }));
  });
}

function isDeclaredPublic(context: LintContext, entry: PortalEntry): boolean {
  return !!context.portalEntries?.some(
    (e) =>
      e.public === true &&
      e.label.toLowerCase() === entry.label.toLowerCase() &&
      e.externalPort === entry.externalPort &&
      e.internalPort === entry.internalPort,
  );
}

export const directEntriesRule: LintRule = {
  code: 'VL031',
  severity: 'error',
  description: 'A direct PORTAL_CONFIG entry with no Caddy site on its port (so no authentication) is declared public: true in image.ts.',
  check(context, report) {
    directEntryFindings(context, false, (entry) => {
      const internal = entry.externalPort + 10000 <= 65535 ? entry.externalPort + 10000 : entry.externalPort - 1;
      return (
        `PORTAL_CONFIG: port ${entry.externalPort} (${JSON.stringify(entry.label)}) is a direct entry with no Caddy site: anyone who reaches the port ` +
        `gets in without authentication. If that is meant, set public: true on its entry in ${context.source}; otherwise give it an ` +
        `internal port of its own (e.g. ${internal}) so Caddy serves it with auth.`
      );
    }).forEach((finding) => report(finding));
  },
};
