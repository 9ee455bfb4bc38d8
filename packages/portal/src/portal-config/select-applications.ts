// Chooses where the application list comes from: an existing /etc/portal.yaml wins, else PORTAL_CONFIG.
// Pure: the caller reads the file and passes its text (or null when it does not exist).
import { parsePortalConfig, parsePortalYaml, validatePortalEntries, type PortalEntry } from '@vast/conventions/portal-config';

export type ApplicationSelection =
  | {
      ok: true;
      entries: PortalEntry[];
      /** `yaml`: the file is authoritative and is kept as it is; `PORTAL_CONFIG`: the file must be (re)written. */
      source: 'yaml' | 'PORTAL_CONFIG';
      /** The existing file could not be used and will be replaced (a copy is kept). */
      replacesUnusableYaml: boolean;
      warnings: string[];
    }
  | { ok: false; errors: string[] };

export function selectApplications(input: { yamlText: string | null; yamlPath: string; portalConfig: string }): ApplicationSelection {
  const warnings: string[] = [];
  let replacesUnusableYaml = false;
  if (input.yamlText !== null) {
    const yaml = parsePortalYaml(input.yamlText, input.yamlPath);
    if (yaml.ok && yaml.entries.length > 0) {
      const errors = validatePortalEntries(yaml.entries).map((e) => `${input.yamlPath}: ${e}`);
      if (errors.length) return { ok: false, errors: errors.map((e) => `${e} Or delete the file to start again from PORTAL_CONFIG.`) };
      return { ok: true, entries: yaml.entries, source: 'yaml', replacesUnusableYaml: false, warnings };
    }
    if (!yaml.ok && yaml.hasApplications) {
      // The file declares applications, so someone meant it: stopping beats silently replacing their edits.
      return { ok: false, errors: yaml.errors.map((e) => `${e} Or delete the file to start again from PORTAL_CONFIG.`) };
    }
    if (!yaml.ok) {
      warnings.push(`${yaml.errors.join(' ')} Using PORTAL_CONFIG instead; the old file is kept as ${input.yamlPath}.invalid.`);
      replacesUnusableYaml = true;
    }
  }
  const parsed = parsePortalConfig(input.portalConfig);
  const errors = parsed.ok ? validatePortalEntries(parsed.entries) : parsed.errors;
  if (errors.length || !parsed.ok) return { ok: false, errors: errors.map((e) => `PORTAL_CONFIG: ${e}`) };
  return { ok: true, entries: parsed.entries, source: 'PORTAL_CONFIG', replacesUnusableYaml, warnings };
}
