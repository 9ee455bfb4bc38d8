// The options every app generator shares (service, ports, packages, git source), normalised once: checked against the
// parent chain and turned into a service, an install plan and the decisions left to the author.
import {
  checkPortalLabels,
  defaultPortalEntries,
  formatPortalConfig,
  imageChain,
  labelProblems,
  ownPortalEntries,
  portalEntrySchema,
  serviceSchema,
  UNFILLED_MARKER,
  type LabelledImage,
  type PortalEntry,
  type ResolvedImage,
} from '@vast/conventions';
import {
  appInstallSchema,
  appWorkdir,
  gitRefArg,
  gitSourceSchema,
  offlineInstallGap,
  renderInstallSteps,
  stepInput,
  type AppInstall,
  type ServiceInput,
} from '@vast/conventions';
import { pickPortPair, portOwner, type PortOwner } from './ports';

export interface AppOptions {
  /** One sentence: what the app is (the image description LABEL). */
  description?: string;
  /** The supervisor program (and launch script) name of the service. Default: the image name. */
  service?: string;
  /** The PORTAL_CONFIG label of the service; it gates the service (exit_portal). */
  label?: string;
  /** The path the portal opens the app at, e.g. /ui. Default: /. */
  portalPath?: string;
  /** External port: where Caddy serves the app with auth. */
  port?: number;
  /** Internal port: where the app listens on 127.0.0.1. */
  internalPort?: number;
  /** What the launch script runs in the foreground. */
  command?: string;
  /** Absolute directory the command runs in. */
  workdir?: string;
  /** Debian packages, comma- or space-separated. */
  aptPackages?: string | string[];
  /** pip requirements, comma- or space-separated. */
  pythonPackages?: string | string[];
  /** git URL of the app's source. */
  gitSource?: string;
  /** Tag, branch or commit of gitSource. */
  gitRef?: string;
}

/** A decision the author must still make, by what it is; each generator maps it to a field of its file. */
export type Decision = 'description' | 'command' | 'gitRef' | 'steps';

export interface NormalizedApp {
  name: string;
  description: string;
  service: ServiceInput;
  install: AppInstall;
  /** What is left to decide, with the hint the marker carries. */
  decisions: Partial<Record<Decision, string>>;
  external: number;
  internal: number;
}

/** Placeholder for a decided-later string; applyMarkers replaces it with `CHANGEME: <hint>`. */
const UNDECIDED = UNFILLED_MARKER;

/** `my-app` -> `My App`: the default portal label. */
export function titleCase(name: string): string {
  return name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export function splitList(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value.flatMap((v) => v.split(/[\s,]+/)) : (value ?? '').split(/[\s,]+/);
  return [...new Set(items.map((s) => s.trim()).filter(Boolean))];
}

/** Every PORTAL_CONFIG entry of the image and its ancestors, with the image that declares it. */
export function chainPortOwners(image: ResolvedImage): PortOwner[] {
  return imageChain(image).flatMap((r) => ownPortalEntries(r.definition).map((entry) => ({ image: r.definition.name, entry })));
}

function checkPort(option: string, value: number | undefined, owners: PortOwner[], problems: string[]): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    problems.push(`${option}=${value} is not a port: use a whole number from 1 to 65535 (or leave it out to get a free one).`);
    return;
  }
  const owner = portOwner(owners, value);
  if (owner) {
    problems.push(
      `${option}=${value} is taken: ${owner.image}'s '${owner.entry.label}' entry uses it (${owner.entry.externalPort} -> ${owner.entry.internalPort}). Choose another port, or leave ${option} out to get a free one.`,
    );
  }
}

/**
 * The label rules of @vast/conventions (labelProblems for the PORTAL_CONFIG format, checkPortalLabels for how
 * exit_portal.sh matches), applied to the chain as it will be with the new service: the same rules every image.ts gets.
 */
function checkLabel(name: string, label: string, entry: PortalEntry, parent: ResolvedImage, problems: string[]): void {
  const form = labelProblems(label);
  if (form.length) {
    problems.push(`--label='${label}' cannot be a PORTAL_CONFIG label: ${form.join(' ')} E.g. --label='My App'.`);
    return;
  }
  const chain = imageChain(parent).map((r) => r.definition);
  const candidate: LabelledImage = { name, services: [{ name, portalLabel: label, portal: [entry] }], links: [] };
  // Every message starts with the quoted label it is about, which here is always --label's.
  for (const problem of checkPortalLabels([...chain, candidate])) problems.push(`--label=${problem.message}`);
}

/** Normalises the shared options; `problems` collects every bad option so all are reported at once. */
export function normalizeAppOptions(name: string, options: AppOptions, parent: ResolvedImage, problems: string[]): NormalizedApp {
  const owners = chainPortOwners(parent);
  const decisions: NormalizedApp['decisions'] = {};

  checkPort('--port', options.port, owners, problems);
  checkPort('--internalPort', options.internalPort, owners, problems);
  if (options.port !== undefined && options.port === options.internalPort) {
    problems.push(
      `--port and --internalPort are both ${options.port}: Caddy listens on the external port and proxies to the app on the internal one, so they must differ.`,
    );
  }
  const { external, internal } = pickPortPair(owners, { external: options.port, internal: options.internalPort });

  const portalPath = options.portalPath ?? '/';
  const path = portalEntrySchema.shape.path.safeParse(portalPath);
  if (!path.success) problems.push(`--portal-path='${portalPath}' ${path.error.issues[0].message}, e.g. --portal-path=/ui.`);
  // The program name is checked by the schema that will parse it, so the option and image.ts cannot disagree.
  const serviceName = options.service ?? name;
  const entryFor = (label: string): PortalEntry => ({
    label,
    externalPort: external,
    internalPort: internal,
    path: portalPath,
    hostname: 'localhost',
  });
  const labelCheck = (label: string) => {
    const found: string[] = [];
    checkLabel(serviceName, label, entryFor(label), parent, found);
    return found;
  };
  // A default label must gate on its own: 'X' (from a name like x) is inside 'external_port', so try the next one.
  const defaults = [...new Set([titleCase(name), titleCase(serviceName), `${titleCase(name)} App`])];
  const label = options.label ?? defaults.find((candidate) => labelCheck(candidate).length === 0) ?? defaults[0];
  problems.push(...labelCheck(label));

  const program = serviceSchema.shape.name.safeParse(serviceName);
  if (!program.success)
    problems.push(
      `--service='${serviceName}' ${program.error.issues[0].message}, e.g. --service=${name.replace(/[^a-z0-9_-]/g, '') || 'my-app'}-server.`,
    );
  const sibling = imageChain(parent).find((r) => r.definition.services.some((s) => s.name === serviceName));
  if (sibling) {
    problems.push(
      `${options.service === undefined ? 'the name' : '--service'} '${serviceName}' is also the name of a supervisor program of ${sibling.definition.name}; the new service would replace its conf. Choose another${options.service === undefined ? ' name, or set --service' : ''}.`,
    );
  }

  const aptPackages = splitList(options.aptPackages);
  const pythonPackages = splitList(options.pythonPackages);
  const apt = appInstallSchema.aptPackages.safeParse(aptPackages);
  if (!apt.success) {
    for (const issue of apt.error.issues) problems.push(`--aptPackages: '${aptPackages[Number(issue.path[0])]}' ${issue.message}.`);
  }
  const pip = appInstallSchema.pythonPackages.safeParse(pythonPackages);
  if (!pip.success) {
    for (const issue of pip.error.issues) problems.push(`--pythonPackages: '${pythonPackages[Number(issue.path[0])]}' ${issue.message}.`);
  }

  let git: AppInstall['git'];
  if (options.gitSource !== undefined) {
    const url = gitSourceSchema.shape.url.safeParse(options.gitSource);
    if (!url.success) problems.push(`--gitSource='${options.gitSource}' ${url.error.issues[0].message}.`);
    const ref = options.gitRef?.trim();
    if (!ref) decisions.gitRef = `the tag or commit of ${options.gitSource} to build (a tag or commit keeps builds reproducible)`;
    git = { url: options.gitSource, ref: ref || UNDECIDED };
  } else if (options.gitRef !== undefined) {
    problems.push(`--gitRef needs --gitSource: say which repository '${options.gitRef}' is a ref of.`);
  }

  const workdir = options.workdir ?? (git ? appWorkdir(name) : undefined);
  const workdirCheck = serviceSchema.shape.workdir.safeParse(workdir);
  if (!workdirCheck.success) problems.push(`--workdir='${workdir}' ${workdirCheck.error.issues[0].message}.`);

  const command = options.command?.trim();
  if (!command) decisions.command = `the command that runs ${name} in the foreground, listening on 127.0.0.1:${internal}`;
  const description = options.description?.trim();
  if (!description) decisions.description = `what ${name} is, in one sentence (it becomes the image description)`;

  const service: ServiceInput = {
    name: serviceName,
    portalLabel: label,
    portal: [{ label, externalPort: external, internalPort: internal, ...(portalPath !== '/' ? { path: portalPath } : {}) }],
    ...(workdir ? { workdir } : {}),
    command: command || UNDECIDED,
  };
  return {
    name,
    description: description || UNDECIDED,
    service,
    install: {
      name,
      aptPackages: apt.success ? aptPackages : [],
      pythonPackages: pip.success ? pythonPackages : [],
      ...(git ? { git } : {}),
    },
    decisions,
    external,
    internal,
  };
}

/** The PORTAL_CONFIG the new image's boot script sets: the chain's entries, then the new service's. */
export function chainPortalConfig(parent: ResolvedImage, app: NormalizedApp): string {
  const own = (app.service.portal ?? []).map((p) => ({ path: '/', hostname: 'localhost', ...p }));
  return formatPortalConfig([...defaultPortalEntries(parent.portalEntries), ...own]);
}

/**
 * The open decisions as markers keyed by the definition field they stand in (dotted path); the git ref lives in a
 * build arg of an image and in `git.ref` of a provisioning template.
 */
export function decisionMarkers(app: Pick<NormalizedApp, 'decisions'>, gitRefPath: string): Record<string, string> {
  const paths: Record<Decision, string> = {
    description: 'description',
    command: 'services.0.command',
    gitRef: gitRefPath,
    steps: 'steps.0.run',
  };
  return Object.fromEntries(Object.entries(app.decisions).map(([decision, hint]) => [paths[decision as Decision], hint as string]));
}

/**
 * The fields every generated image definition shares, whatever its class: description, repository, the git ref
 * build arg, the install steps, the one service and its PORTAL_CONFIG default; plus the markers of open decisions.
 */
export function appImageFields(app: NormalizedApp, repository: string, torchInChain: boolean) {
  const steps = renderInstallSteps(app.install, { kind: 'image' }, { torchInChain }).map(stepInput);
  const refArg = gitRefArg(app.name);
  const fields = {
    description: app.description,
    repository,
    ...(app.install.git ? { args: { [refArg]: app.install.git.ref } } : {}),
    ...(steps.length ? { steps } : {}),
    services: [app.service],
    defaultPortalConfig: true,
  };
  return { fields, markers: decisionMarkers(app, `args.${refArg}`) };
}

/** Whether a new image gets a local variant (built offline from Debian packages), and if not, why. */
export interface LocalVariant {
  local: boolean;
  why?: string;
}

/** Whether a new image of `install` on `parent` gets a local variant, and if not, why (said in the output and README). */
export function localVariantOf(parent: ResolvedImage, install: Pick<AppInstall, 'pythonPackages' | 'git'>): LocalVariant {
  if (!parent.definition.variants.some((v) => v.local)) return { local: false, why: `${parent.definition.name} has none to build on` };
  const gap = offlineInstallGap(install);
  return gap ? { local: false, why: gap } : { local: true };
}
