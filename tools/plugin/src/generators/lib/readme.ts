// README.md of generated projects: what the project is, where to change it, and the commands that check, build and boot it.
import { bootEnvScriptPath, gitRefArg, renderReadmeGeneratedPart, type ResolvedImage } from '@vast/conventions';
import { decisionMarkers, type LocalVariant, type NormalizedApp } from './app-options';

/** The open decisions, each by the image.ts field that holds its marker (the paths appImageFields marks). */
function decisionList(app: NormalizedApp): string[] {
  const markers = Object.entries(decisionMarkers(app, `args.${gitRefArg(app.name)}`));
  if (!markers.length) return [];
  return [
    '## Still to decide',
    '',
    'The generator could not decide these; each holds a `CHANGEME` marker, and lint fails (VL040) until it is replaced:',
    '',
    // `services.0.command` is written `services[0].command`, as a reader finds it in image.ts.
    ...markers.map(([path, hint]) => `- \`${path.replace(/\.(\d+)/g, '[$1]')}\`: ${hint}.`),
    '',
  ];
}

export interface ImageReadmeInput {
  app: NormalizedApp;
  kind: 'derivative' | 'external';
  /** Parent image project (derivative) or base (external). */
  parent: string;
  upstream?: string;
  /** How the project was made, e.g. `nx g @vast/plugin:derivative hello`. */
  generatedBy: string;
  /** Whether it has a local variant (built offline from Debian packages), and if not, why. */
  local: LocalVariant;
  /** The new image, resolved in its family: the README's generated part is rendered from it (and kept so by build). */
  image: ResolvedImage;
}

export function renderImageReadme(input: ImageReadmeInput): string {
  const { app } = input;
  const what =
    input.kind === 'derivative'
      ? `A derivative of \`${input.parent}\`: built FROM each of its variants, with ${app.name} installed on top.`
      : `\`${input.upstream}\` with the Vast runtime of \`${input.parent}\` grafted on (supervisor, Caddy with auth, the portal, Jupyter).`;
  return [
    `# ${app.name}`,
    '',
    app.decisions.description ? `_One sentence about ${app.name} goes here (and in image.ts)._` : app.description,
    '',
    what,
    `Made with \`${input.generatedBy}\`; from here on the project is yours to edit.`,
    '',
    '## Where things are',
    '',
    '- `image.ts`: the whole definition: build steps, the service, variants. The build renders the Dockerfile, the',
    `  supervisor program and launch script of \`${app.service.name}\`, and \`${bootEnvScriptPath(app.name)}\` (default PORTAL_CONFIG) from it.`,
    '- `ROOT/` (create it when needed): hand-written files copied into the image as they are.',
    '- `package.json`: the exact pin of the parent image (the Nx graph edge and the changesets cascade).',
    '',
    ...decisionList(app),
    ...(input.local.local ? [] : [`No local variant (offline build): ${input.local.why}.`, '']),
    renderReadmeGeneratedPart(input.image),
    '',
  ].join('\n');
}
