// The rules a service's portalLabel must follow so that exit_portal.sh switches the service on and off with its own
// PORTAL_CONFIG entry and nothing else. exit_portal.sh starts a service while its label appears, ignoring case, on
// any non-comment line of /etc/portal.yaml: in a key, a `name:` value, but equally in `hostname: localhost`,
// `external_port: 8080` or another application's name. Graph resolution (for every image.ts) and the generators
// (for --label) both call checkPortalLabels, so a hand-edited definition gets the same rules as a generated one.
import { renderPortalYaml } from './portal-config';
import type { PortalEntry } from './schema';

/** The parts of a definition the label rules read (an ImageDefinition, or the one a generator is about to write). */
export interface LabelledImage {
  name: string;
  services: ReadonlyArray<{ name: string; portalLabel?: string; portal: readonly PortalEntry[] }>;
  links: readonly PortalEntry[];
}

export interface PortalLabelProblem {
  /** Dotted path in the last image of the chain, e.g. `services.0.portalLabel`. */
  path: string;
  message: string;
}

interface PlacedEntry {
  entry: PortalEntry;
  image: string;
  /** Path of the entry's label in its image.ts. */
  path: string;
  /** Its lines in /etc/portal.yaml: the key line first, then one per field. */
  lines: string[];
}

const WHY = 'exit_portal.sh starts a service while its label appears on any line of /etc/portal.yaml';

/** The lines one entry contributes to /etc/portal.yaml, and the lines every portal.yaml has whatever it lists. */
function yamlLinesOf(entry: PortalEntry): { header: string[]; lines: string[] } {
  const all = renderPortalYaml([entry]).trimEnd().split('\n');
  const keyAt = all.findIndex((line) => /^ {2}\S/.test(line));
  return { header: all.slice(0, keyAt), lines: all.slice(keyAt) };
}

function placeEntries(chain: readonly LabelledImage[]): PlacedEntry[] {
  return chain
    .flatMap((image) => [
      ...image.services.flatMap((service, i) =>
        service.portal.map((entry, j) => ({ entry, image: image.name, path: `services.${i}.portal.${j}.label` })),
      ),
      ...image.links.map((entry, j) => ({ entry, image: image.name, path: `links.${j}.label` })),
    ])
    .map((placed) => ({ ...placed, lines: yamlLinesOf(placed.entry).lines }));
}

/** Whether a matching line is the entry's label itself (its key or `name:` line) rather than YAML structure or a value. */
function isLabelLine(placed: PlacedEntry, line: string, needle: string): boolean {
  const isKeyOrName = line === placed.lines[0] || /^\s*name:/.test(line);
  return isKeyOrName && placed.entry.label.toLowerCase().includes(needle);
}

/**
 * Checks every portalLabel of the chain (base first) against the chain's PORTAL_CONFIG entries, and reports what the
 * last image introduces: its own labels, and its entries that an ancestor's label would also match.
 * - A label must match the label of some entry, or its service never starts.
 * - It must not match YAML structure or a value (`Name`, `Port`, `local`, `1111`...), or its service always starts.
 * - A service that exposes entries must match only those, or links into their sites (Jupyter Terminal on Jupyter's
 *   port 8080), or it would start while another application is listed.
 */
export function checkPortalLabels(chain: readonly LabelledImage[]): PortalLabelProblem[] {
  const problems: PortalLabelProblem[] = [];
  const entries = placeEntries(chain);
  const last = chain[chain.length - 1];
  if (!last || !entries.length) return problems;
  const header = yamlLinesOf(entries[0].entry).header;

  chain.forEach((image) => {
    image.services.forEach((service, i) => {
      const label = service.portalLabel;
      if (label === undefined || label.trim() === '') return;
      const needle = label.toLowerCase();
      const isOurs = image === last;
      const report = (placed: PlacedEntry | undefined, message: string) => {
        if (isOurs) problems.push({ path: `services.${i}.portalLabel`, message: `'${label}' ${message}` });
        else if (placed && placed.image === last.name) {
          problems.push({
            path: placed.path,
            message:
              `'${placed.entry.label}' contains '${label}', the portalLabel of ${image.name}'s service ${service.name}, and ${WHY}: ` +
              `${service.name} would start whenever this entry is listed. Choose a label that does not contain '${label}'.`,
          });
        }
      };

      const always = header.find((line) => line.toLowerCase().includes(needle));
      if (always) {
        report(
          undefined,
          `matches the line '${always.trim()}' that every /etc/portal.yaml has, so the service would always start (${WHY}). Choose a label that is not part of '${always.trim()}'.`,
        );
        return;
      }
      const own = new Set(service.portal);
      const sites = new Set(service.portal.filter((e) => e.externalPort !== e.internalPort).map((e) => e.externalPort));
      let matchesAnEntry = false;
      for (const placed of entries) {
        const matching = placed.lines.filter((line) => line.toLowerCase().includes(needle));
        if (!matching.length) continue;
        const structural = matching.find((line) => !isLabelLine(placed, line, needle));
        const where = `the chain's /etc/portal.yaml line '${(structural ?? matching[0]).trim()}' (${placed.image}'s entry '${placed.entry.label}')`;
        if (structural) {
          report(
            placed,
            `matches ${where}, which is YAML structure or a value, not a label: ${WHY}, so it would start whatever is listed. ` +
              'Choose a label that is no part of hostname, external_port, internal_port, open_path, name or their values.',
          );
          return;
        }
        matchesAnEntry = true;
        const linksIntoOwnSite = placed.entry.externalPort === placed.entry.internalPort && sites.has(placed.entry.externalPort);
        if (own.size === 0 || own.has(placed.entry) || linksIntoOwnSite) continue;
        if (placed.entry.label.toLowerCase() === needle) {
          report(placed, `is taken: the chain already has a '${placed.entry.label}' entry (${placed.image}). Choose another label.`);
        } else {
          report(
            placed,
            `would not switch on and off on its own: it appears in ${where}, and ${WHY}. Choose a label that neither contains nor is part of another.`,
          );
        }
        return;
      }
      if (!matchesAnEntry) {
        const labels = entries.map((p) => `'${p.entry.label}'`).join(', ');
        report(
          undefined,
          `matches no PORTAL_CONFIG entry of the chain (${labels}), so the service would never start. Use the label of the entry it serves.`,
        );
      }
    });
  });
  return problems;
}
