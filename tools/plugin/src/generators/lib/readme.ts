// README.md of generated projects: what the project is, where to change it, and the commands that check, build and boot it.
import type { NormalizedApp } from './app-options';

const DECISION_FIELDS = { description: 'description', command: 'services[0].command', gitRef: 'the git ref', steps: 'steps[0].run' } as const;

function decisionList(app: NormalizedApp, fields: Partial<Record<keyof NormalizedApp['decisions'], string>>): string[] {
  const entries = Object.entries(app.decisions) as [keyof NormalizedApp['decisions'], string][];
  if (!entries.length) return [];
  return [
    '## Still to decide',
    '',
    'The generator could not decide these; each holds a `CHANGEME` marker, and lint fails (VL040) until it is replaced:',
    '',
    ...entries.map(([key, hint]) => `- \`${fields[key] ?? DECISION_FIELDS[key]}\`: ${hint}.`),
    '',
  ];
}

export interface ImageReadmeInput {
  app: NormalizedApp;
  kind: 'derivative' | 'external';
  /** Parent image project (derivative) or base (external). */
  parent: string;
  upstream?: string;
  /** The whole chain's PORTAL_CONFIG with the new entry, as the boot script sets it. */
  portalConfig: string;
  /** How the project was made, e.g. `nx g @vast/plugin:derivative hello`. */
  generatedBy: string;
  gitRefArg?: string;
  /** Whether it has a local variant (built offline from Debian packages), and if not, why. */
  local: { local: boolean; why?: string };
}

/** Where the portal opens the app, when not at its root. */
const portalPath = (app: NormalizedApp) => (app.service.portal?.[0]?.path ? ` (the portal opens ${app.service.portal[0].path})` : '');

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
    `  supervisor program and launch script of \`${app.service.name}\`, and \`/etc/vast_boot.d/05-${app.name}-env.sh\` (default PORTAL_CONFIG) from it.`,
    '- `ROOT/` (create it when needed): hand-written files copied into the image as they are.',
    '- `package.json`: the exact pin of the parent image (the Nx graph edge and the changesets cascade).',
    '',
    ...decisionList(app, input.gitRefArg ? { gitRef: `args.${input.gitRefArg}` } : {}),
    '## The service',
    '',
    `The supervisor program \`${app.service.name}\` listens on 127.0.0.1:${app.internal}; Caddy serves it with auth on port ${app.external} as '${app.service.portalLabel}'${portalPath(app)}.`,
    `It starts only while that label is in the instance's PORTAL_CONFIG. The default this image sets:`,
    '',
    '```',
    input.portalConfig,
    '```',
    '',
    '## Check and build',
    '',
    '```bash',
    `npx nx run ${app.name}:lint                        # the image invariants and shellcheck`,
    ...(input.local.local ? [`npx nx run ${app.name}:docker-build -c local       # offline build (Debian packages only), parents first`] : []),
    `npx nx run ${app.name}:docker-build --dry-run      # the production build plan`,
    '```',
    '',
    ...(input.local.local ? [] : [`No local variant (offline build): ${input.local.why}.`, '']),
  ].join('\n');
}
