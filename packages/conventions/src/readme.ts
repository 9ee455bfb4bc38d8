// The generated part of an image project's README.md: its services, ports and PORTAL_CONFIG default, and the commands
// that check and build it, rendered from the resolved definition. The generators write it between the markers below,
// and `nx run <image>:build` renders it again, so it follows image.ts instead of going stale.
import { formatPortalConfig } from './portal-config';
import { defaultPortalEntries, type ResolvedImage } from './graph';

export const README_BEGIN = '<!-- generated from image.ts: `nx run <image>:build` rewrites this part; edit outside it -->';
export const README_END = '<!-- end of the generated part -->';

export function renderReadmeGeneratedPart(image: ResolvedImage): string {
  const def = image.definition;
  const name = def.name;
  const local = def.variants.some((v) => v.local);
  const services = def.services.map((s) => {
    const where = s.portal.map(
      (p) =>
        `Caddy serves it with auth on port ${p.externalPort} as '${p.label}'${p.path !== '/' ? ` (the portal opens ${p.path})` : ''}, from 127.0.0.1:${p.internalPort}`,
    );
    const gate = s.portalLabel ? `; it starts only while '${s.portalLabel}' is in the instance's PORTAL_CONFIG` : '';
    return `- \`${s.name}\` (supervisor program): ${where.length ? where.join('; ') : 'not behind the portal'}${gate}.`;
  });
  return [
    README_BEGIN,
    '## Services',
    '',
    ...(services.length ? services : ['None: this image adds no supervisor program.']),
    '',
    ...(def.defaultPortalConfig
      ? [
          'The PORTAL_CONFIG this image sets by default:',
          '',
          '```',
          formatPortalConfig(defaultPortalEntries(image.portalEntries)),
          '```',
          '',
        ]
      : []),
    '## Check and build',
    '',
    '```bash',
    `npx nx run ${name}:lint                        # the image invariants and shellcheck`,
    ...(local ? [`npx nx run ${name}:docker-build -c local       # offline build (Debian packages only), parents first`] : []),
    `npx nx run ${name}:docker-build --dry-run      # the production build plan`,
    '```',
    '',
    `Variants: ${def.variants.map((v) => `\`${v.key}\`${v.local ? ' (local)' : ''}`).join(', ')}.`,
    README_END,
  ].join('\n');
}

/** `readme` with its generated part replaced by `part`; undefined when it has no markers (a hand-written README). */
export function refreshReadmeGeneratedPart(readme: string, part: string): string | undefined {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END, begin);
  if (begin < 0 || end < 0) return undefined;
  return readme.slice(0, begin) + part + readme.slice(end + README_END.length);
}
