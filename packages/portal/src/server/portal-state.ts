// What the routes read from disk: portal.yaml's applications, the programs' portal labels from their supervisor confs,
// and the programs that skipped themselves. Both /api/* and upstream's routes use these.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePortalYaml, type PortalEntry } from '@vast/conventions/portal-config';
import { readProgramLabels } from './program-labels';
import type { NormalizedPortalServerSettings } from './settings';

export function readEntries(settings: NormalizedPortalServerSettings): { entries: PortalEntry[]; error: string | null } {
  let text: string;
  try {
    text = readFileSync(settings.portalYaml, 'utf8');
  } catch {
    return { entries: [], error: `${settings.portalYaml} does not exist yet: the caddy service writes it when it starts.` };
  }
  const parsed = parsePortalYaml(text, settings.portalYaml);
  return parsed.ok ? { entries: parsed.entries, error: null } : { entries: [], error: parsed.errors.join(' ') };
}

export function readLabels(settings: NormalizedPortalServerSettings): Map<string, string> {
  let files: string[];
  try {
    files = readdirSync(settings.supervisorConfDir)
      .filter((f) => f.endsWith('.conf'))
      .sort();
  } catch {
    return new Map();
  }
  const texts: string[] = [];
  for (const file of files) {
    try {
      texts.push(readFileSync(join(settings.supervisorConfDir, file), 'utf8'));
    } catch {
      // unreadable conf: its program just has no label
    }
  }
  return readProgramLabels(texts);
}

export function readSkipped(settings: NormalizedPortalServerSettings): Set<string> {
  try {
    return new Set(readdirSync(settings.skipDir));
  } catch {
    return new Set();
  }
}
