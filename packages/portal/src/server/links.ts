// The Tools & Help links (§2.9): /etc/portal-links.yaml (a YAML list) and PORTAL_LINKS (`Label|URL[|Description]`,
// comma-separated). Pure: texts in, links and warnings out.
import { parse } from 'yaml';

export const LINK_ICONS = [
  'link',
  'book',
  'code',
  'terminal',
  'cube',
  'globe',
  'tool',
  'tag',
  'grid',
  'gpu',
  'rocket',
  'image',
  'download',
  'star',
  'zap',
  'database',
] as const;

export interface PortalLink {
  label: string;
  url: string;
  description: string;
  icon: string;
  button_text: string;
  position: 'before' | 'after';
  links: Array<{ label: string; url: string }>;
}

const isHttpUrl = (url: string) => /^https?:\/\/[^\s]+$/i.test(url);
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

/** Links from the YAML file. A top-level mapping or a parse error gives no links and a warning, as upstream does. */
export function parseLinksYaml(source: string, file: string): { links: PortalLink[]; warnings: string[] } {
  let root: unknown;
  try {
    root = parse(source);
  } catch (error) {
    return { links: [], warnings: [`${file}: not valid YAML (${(error as Error).message.split('\n')[0]}); no links from it.`] };
  }
  if (root === null || root === undefined) return { links: [], warnings: [] };
  if (!Array.isArray(root))
    return { links: [], warnings: [`${file}: must be a YAML list of links (- label: ... url: ...); no links from it.`] };
  const links: PortalLink[] = [];
  const warnings: string[] = [];
  root.forEach((item: unknown, index) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const label = text(entry.label);
    const url = text(entry.url);
    if (!label || !isHttpUrl(url)) {
      warnings.push(`${file}: entry ${index + 1} needs a label and an http(s) url; skipped.`);
      return;
    }
    const icon = text(entry.icon);
    const sub = Array.isArray(entry.links) ? (entry.links as Array<Record<string, unknown>>) : [];
    links.push({
      label,
      url,
      description: text(entry.description),
      icon: (LINK_ICONS as readonly string[]).includes(icon) ? icon : 'link',
      button_text: text(entry.button_text) || 'Open',
      position: entry.position === 'before' ? 'before' : 'after',
      links: sub.map((s) => ({ label: text(s?.label), url: text(s?.url) })).filter((s) => s.label && isHttpUrl(s.url)),
    });
  });
  return { links, warnings };
}

/** PORTAL_LINKS: each entry split on its first two `|`; always after the built-in cards. */
export function parsePortalLinksEnv(value: string | undefined): PortalLink[] {
  if (!value?.trim()) return [];
  const links: PortalLink[] = [];
  for (const entry of value.split(',')) {
    const [label, url, ...rest] = entry.split('|');
    if (!label?.trim() || !url || !isHttpUrl(url.trim())) continue;
    links.push({
      label: label.trim(),
      url: url.trim(),
      description: rest.join('|').trim(),
      icon: 'link',
      button_text: 'Open',
      position: 'after',
      links: [],
    });
  }
  return links;
}

/** `{before, after}` as upstream hands them to the page: the file's links by position, then PORTAL_LINKS after. */
export function arrangeLinks(
  fromFile: readonly PortalLink[],
  fromEnv: readonly PortalLink[],
): { before: PortalLink[]; after: PortalLink[] } {
  return {
    before: fromFile.filter((l) => l.position === 'before'),
    after: [...fromFile.filter((l) => l.position === 'after'), ...fromEnv],
  };
}
