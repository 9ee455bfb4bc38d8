// The combined agent guide stage 80 writes (/etc/vast-agents-guide.md) and its line in the login banner (upstream §5.3).
import { AGENTS_GUIDE } from '../runtime-contract';

export const AGENT_BANNER_LINE = `AI agents: READ ${AGENTS_GUIDE} (also linked as ./AGENTS.md) before acting on or describing this instance: it is the operating guide. ('vast-capabilities' shows live state only, not the guide.)`;

/** The first markdown heading of a file, without its #s; the file name when it has none. */
function firstHeading(name: string, body: string): string {
  const heading = body.split('\n').find((line) => /^#{1,6}\s+\S/.test(line));
  return heading ? heading.replace(/^#{1,6}\s+/, '').trim() : name;
}

/** The files, already in guide order (orderAgentGuides), concatenated under a title and a numbered index. */
export function renderAgentGuide(files: ReadonlyArray<{ name: string; body: string }>): string {
  const index = files.map((f, i) => `  ${i + 1}. ${f.name} — ${firstHeading(f.name, f.body)}`);
  const parts = [
    '# Agent guide for this instance',
    '',
    `This file is the complete guide: it holds ${files.length} concatenated file${files.length === 1 ? '' : 's'}. Read all of it, in full.`,
    '',
    ...index,
    '',
    'Keep reading past the base guide: the files after it describe what this image adds, and they win where they differ.',
    '',
  ];
  for (const f of files) parts.push(`=================== ${f.name} ===================`, '', f.body.replace(/\n*$/, ''), '');
  return `${parts.join('\n')}`;
}

/** The banner with every `AI agents:` line removed, and upstream's line appended unless the banner is disabled. */
export function bannerWithAgentLine(banner: string, enabled: boolean): string {
  const kept = banner.split('\n').filter((line) => !line.startsWith('AI agents:'));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  if (enabled) kept.push(AGENT_BANNER_LINE);
  return kept.length ? `${kept.join('\n')}\n` : '';
}

/** ENABLE_AGENT_BANNER is on unless it is `false` (any case), as upstream reads it. */
export const agentBannerEnabled = (value: string | undefined) => value?.toLowerCase() !== 'false';
