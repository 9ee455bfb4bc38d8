// An app (Debian packages, a git checkout, Python packages, supervisor services) two ways: baked into a derivative
// image, or installed at boot by a provisioning script on an existing image. Both come from the same install steps
// and the same supervisor renderers, so an app moved from one to the other runs the same program the same way.
import { isDefaultPythonVariant } from './base-matrix';
import { z } from 'zod';
import { renderStepScript } from './step-script';
import { generatedHeader, shellQuote } from './text';
import type { ResolvedImage } from './graph';
import { launchScriptPath, renderLaunchScript, renderSupervisorConf, supervisorConfPath } from './supervisor';
import { PROVISIONING_MARKERS, provisioningMarkerPath, SUPERVISOR_CONF_DIR, SUPERVISOR_SCRIPTS_DIR } from './runtime-contract';
import { controlCharacterProblems } from './safe-strings';
import {
  checkServices,
  definitionErrorsOf,
  duplicateServiceNames,
  IMAGE_NAME,
  serviceSchema,
  stepSchema,
  type DefinitionError,
  type ImageDefinition,
  type ImageDefinitionInput,
  type Service,
  type Step,
  portalEntrySchema,
} from './schema';

type PortalEntryInput = z.input<typeof portalEntrySchema>;

/** Where an image keeps apps it clones at build time; boot stage 36 copies them into $WORKSPACE. */
export const WORKSPACE_INTERNAL = '/opt/workspace-internal';
export const WORKSPACE_DEFAULT = '/workspace';

const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
/** A pip requirement on one line, no shell metacharacters that quoting would have to hide. */
const PYTHON_REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[^\s'"`$\\;|&]+(,[<>=!~]=?[^\s'"`$\\;|&]+)*)?$/;

export const gitSourceSchema = z.strictObject({
  url: z.string().regex(/^(https?|git|ssh):\/\/\S+$|^git@\S+:\S+$/, { error: 'must be a git URL, e.g. https://github.com/org/app' }),
  /** A tag, branch or commit; pinning a tag or commit keeps builds reproducible. */
  ref: z.string().min(1, { error: 'must not be empty: name a tag, branch or commit' }),
});
export type GitSource = z.output<typeof gitSourceSchema>;

/** What an app installs. The same fields drive a derivative's build steps and a provisioning script. */
export const appInstallSchema = {
  aptPackages: z.array(z.string().regex(DEBIAN_PACKAGE, { error: 'must be a Debian package name such as libgl1' })).default([]),
  pythonPackages: z
    .array(z.string().regex(PYTHON_REQUIREMENT, { error: "must be one pip requirement such as gradio or 'gradio==4.44.1'" }))
    .default([]),
  git: gitSourceSchema.optional(),
};

/** packages/provisioning/<name>/provisioning.ts: a provisioning-only template for an existing image. */
export const provisioningDefinitionSchema = z.strictObject({
  name: z.string().regex(IMAGE_NAME, { error: 'must be kebab-case: lowercase letters and digits joined by single dashes' }),
  /** The image project whose template runs this script (PROVISIONING_SCRIPT). */
  from: z.string().regex(IMAGE_NAME, { error: 'must name an image project, e.g. pytorch' }),
  description: z.string().min(1, { error: 'must not be empty: say what the app is' }),
  ...appInstallSchema,
  /** Extra commands after the installs, in order (same shape as an image's build steps). */
  steps: z.array(stepSchema).default([]),
  /** The programs the template starts; none for a template that only installs or downloads (e.g. models-only). */
  services: z.array(serviceSchema).default([]),
});
export type ProvisioningDefinitionInput = z.input<typeof provisioningDefinitionSchema>;
export type ProvisioningDefinition = z.output<typeof provisioningDefinitionSchema>;

export type ProvisioningParseResult = { success: true; definition: ProvisioningDefinition } | { success: false; errors: DefinitionError[] };

/** Identity helper that gives provisioning.ts authors type checking and completion. */
export function defineProvisioning<const T extends ProvisioningDefinitionInput>(definition: T): T {
  return definition;
}

export function parseProvisioningDefinition(value: unknown): ProvisioningParseResult {
  const result = provisioningDefinitionSchema.safeParse(value);
  if (!result.success) return { success: false, errors: definitionErrorsOf(result.error) };
  const errors = [...duplicateServiceNames(result.data.services), ...checkServices(result.data.services)];
  result.data.steps.forEach((step, i) => {
    // A provisioning script runs on a booted instance: there is no build profile and no ROOT/ overlay to copy from.
    if (step.profile)
      errors.push({ path: `steps.${i}.profile`, message: 'is a build profile; a provisioning script always runs every step. Remove it.' });
    if (step.needs.length)
      errors.push({
        path: `steps.${i}.needs`,
        message:
          'names ROOT/ overlay files, which a provisioning template does not have. Remove it (write the file from the step instead).',
      });
  });
  // Its steps and services are rendered into a shell script and supervisor confs, as an image's are.
  errors.push(...controlCharacterProblems(result.data));
  return errors.length ? { success: false, errors } : { success: true, definition: result.data };
}

/** The build arg that pins an app's git ref in an image, e.g. MY_APP_REF. */
export const gitRefArg = (app: string) => `${app.toUpperCase().replace(/-/g, '_')}_REF`;
/** Where a derivative image clones the app; boot copies it to $WORKSPACE/<app>. */
export const appCheckoutPath = (app: string) => `${WORKSPACE_INTERNAL}/${app}`;
/** Where a service of a cloned app runs (the boot-time copy in the workspace). */
export const appWorkdir = (app: string) => `${WORKSPACE_DEFAULT}/${app}`;

/** The distribution name of a requirement (`gradio[oauth]==4.1` -> `gradio`), for the smoke check. */
const requirementName = (requirement: string) => /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(requirement)?.[0] ?? requirement;

/** Wraps a long package list over continuation lines, two-space indented. */
function packageLines(command: string, words: string[]): string[] {
  if (words.length <= 4) return [`${command} ${words.join(' ')}`];
  return [`${command} \\`, `  ${words.join(' ')}`];
}

export interface AppInstall {
  name: string;
  aptPackages: readonly string[];
  pythonPackages: readonly string[];
  git?: GitSource;
}

export type InstallTarget =
  /** Baked into an image: the clone goes to /opt/workspace-internal at a build-arg ref; PyPI/git steps are production-only. */
  | { kind: 'image' }
  /** Run at boot on an instance: the clone goes straight to $WORKSPACE and is left alone if it is already there. */
  | { kind: 'provisioning' };

/**
 * The install steps of an app: Debian packages, the git checkout, Python packages into /venv/main (torch-guarded
 * when an ancestor ships torch). Each ends with a check of what it installed.
 */
export function renderInstallSteps(app: AppInstall, target: InstallTarget, options: { torchInChain: boolean }): Step[] {
  const image = target.kind === 'image';
  // The local profile reaches Debian's archive and nothing else, so PyPI and git hosts are production-only there.
  const offline = image ? { profile: 'production' as const } : {};
  const offlineNote = image ? ' The local profile (Debian packages only, no network beyond them) skips it.' : '';
  const steps: Step[] = [];
  if (app.aptPackages.length) {
    const packages = [...app.aptPackages].sort();
    steps.push({
      name: 'apt-packages',
      comment: `Debian packages ${app.name} needs.`,
      needs: [],
      torchGuard: false,
      run: [
        'apt-get update',
        ...packageLines('apt-get install -y --no-install-recommends', packages),
        'rm -rf /var/lib/apt/lists/*',
        `dpkg-query -W ${packages.join(' ')}`,
      ].join('\n'),
    });
  }
  if (app.git) {
    const run = image
      ? [
          `git clone ${shellQuote(app.git.url)} ${appCheckoutPath(app.name)}`,
          `git -C ${appCheckoutPath(app.name)} checkout "\${${gitRefArg(app.name)}}"`,
          `git -C ${appCheckoutPath(app.name)} log -1 --format='${app.name} at %H'`,
        ]
      : [
          `dest="\${WORKSPACE:-${WORKSPACE_DEFAULT}}/${app.name}"`,
          '# A re-run (or a workspace volume that already has it) keeps the checkout and only moves it to the ref.',
          `if [[ -d "$dest/.git" ]]; then git -C "$dest" fetch --tags --quiet origin; else git clone ${shellQuote(app.git.url)} "$dest"; fi`,
          `git -C "$dest" checkout ${shellQuote(app.git.ref)}`,
          `git -C "$dest" log -1 --format='${app.name} at %H'`,
        ];
    steps.push({
      name: 'source',
      comment: `${app.name} from ${app.git.url}${image ? ` at \${${gitRefArg(app.name)}}, into ${WORKSPACE_INTERNAL} (boot copies it to the workspace).` : `, into the workspace.`}${offlineNote}`,
      ...offline,
      needs: [],
      torchGuard: false,
      run: run.join('\n'),
    });
  }
  if (app.pythonPackages.length) {
    const quoted = app.pythonPackages.map(shellQuote);
    steps.push({
      name: 'python-packages',
      comment: `Python packages ${app.name} needs, into /venv/main${options.torchInChain ? "; the guard fails the step if they would change the parent's torch" : ''}.${offlineNote}`,
      ...offline,
      needs: [],
      torchGuard: options.torchInChain,
      run: [
        ...packageLines('uv pip install --no-cache-dir', quoted),
        `uv pip show ${[...new Set(app.pythonPackages.map(requirementName))].join(' ')}`,
      ].join('\n'),
    });
  }
  return steps;
}

export type StepInput = z.input<typeof stepSchema>;

/** Steps as image.ts writes them: defaults left out so the generated file shows only what was decided. */
export function stepInput(step: Step): StepInput {
  return {
    name: step.name,
    ...(step.comment ? { comment: step.comment } : {}),
    ...(step.profile ? { profile: step.profile } : {}),
    ...(step.needs.length ? { needs: step.needs } : {}),
    ...(step.torchGuard ? { torchGuard: true } : {}),
    run: step.run,
  };
}

export type ServiceInput = z.input<typeof serviceSchema>;

/** A schema's defaults, read from the schema itself: what parsing only the required fields adds to them. */
function schemaDefaults(schema: z.ZodType, required: Record<string, unknown>): Record<string, unknown> {
  const parsed = schema.parse(required) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter(([k]) => !(k in required)));
}
const SERVICE_DEFAULTS = schemaDefaults(serviceSchema, { name: 'x', command: 'x' });
const PORTAL_DEFAULTS = schemaDefaults(portalEntrySchema, { label: 'x', externalPort: 1, internalPort: 1 });
const withoutDefaults = (value: Record<string, unknown>, defaults: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([k, v]) => !(k in defaults) || JSON.stringify(v) !== JSON.stringify(defaults[k])));

/** A parsed service as image.ts writes it: fields equal to the schema defaults are left out. */
export function serviceInput(service: Service): ServiceInput {
  const trimmed = withoutDefaults(service as unknown as Record<string, unknown>, SERVICE_DEFAULTS) as ServiceInput;
  if (service.portal.length)
    trimmed.portal = service.portal.map(
      (p) => withoutDefaults(p as unknown as Record<string, unknown>, PORTAL_DEFAULTS) as PortalEntryInput,
    );
  return trimmed;
}

/**
 * Why an image form of this install cannot be built by the local profile, or undefined when it can: what comes from
 * PyPI or a git host is production-only there (renderInstallSteps), so a local build would lack the app.
 */
export function offlineInstallGap(app: Pick<AppInstall, 'pythonPackages' | 'git'>): string | undefined {
  const online = [
    ...(app.pythonPackages.length ? ['its Python packages come from PyPI'] : []),
    ...(app.git ? [`its source comes from ${app.git.url}`] : []),
  ];
  return online.length ? `${online.join(' and ')}, which the local profile cannot reach` : undefined;
}

/**
 * The variants of a derivative: one per parent variant, same key; a local one only where the parent's is and
 * `local` allows. Facts (python, cuda, torch) are inherited from the parent variant, so none is repeated here.
 * Of a base image's matrix (every FROM image on five Pythons), only the variants on each FROM image's default Python,
 * as upstream's children start; others are added by hand.
 */
export function derivativeVariants(
  parent: ImageDefinition,
  options: { local: boolean } = { local: true },
): NonNullable<ImageDefinitionInput['variants']> {
  return (
    parent.variants
      // A variant built only when named (base-image's local-min) is no parent a new image is built on by default.
      .filter((v) => !v.onDemand)
      .filter((v) => !v.local || options.local)
      .filter((v) => v.local || parent.class !== 'base' || isDefaultPythonVariant(v))
      .map((v) => ({ key: v.key, parent: v.key, ...(v.local ? { local: true } : {}) }))
  );
}

/** Whether an image or any ancestor pins torch (installs over it need the torch guard). */
export function chainHasTorch(image: Pick<ResolvedImage, 'definition' | 'ancestors'>): boolean {
  return [image, ...image.ancestors].some((r) => r.definition.variants.some((v) => v.torch !== undefined));
}

/**
 * The derivative image a provisioning template becomes: the same install steps (image form), the same services,
 * built FROM the image the template provisioned.
 */
export function provisioningImageInput(
  template: ProvisioningDefinition,
  parent: ImageDefinition,
  options: { repository: string; torchInChain: boolean },
): ImageDefinitionInput {
  const steps = [...renderInstallSteps(template, { kind: 'image' }, options), ...template.steps].map(stepInput);
  return {
    name: template.name,
    class: 'derivative',
    parent: parent.name,
    description: template.description,
    repository: options.repository,
    ...(template.git ? { args: { [gitRefArg(template.name)]: template.git.ref } } : {}),
    ...(steps.length ? { steps } : {}),
    services: template.services.map(serviceInput),
    defaultPortalConfig: true,
    variants: derivativeVariants(parent, { local: offlineInstallGap(template) === undefined }),
  };
}

/** A heredoc delimiter that no line of `text` equals. */
function heredocDelimiter(text: string): string {
  const lines = new Set(text.split('\n'));
  let delimiter = 'VAST_PROVISIONING_EOF';
  for (let i = 2; lines.has(delimiter); i++) delimiter = `VAST_PROVISIONING_EOF_${i}`;
  return delimiter;
}

function writeFileLines(path: string, content: string, mode: string): string[] {
  const delimiter = heredocDelimiter(content);
  return [`cat >${path} <<'${delimiter}'`, ...content.replace(/\n$/, '').split('\n'), delimiter, `chmod ${mode} ${path}`];
}

export interface ProvisioningScriptOptions {
  /** Where the template lives, e.g. packages/provisioning/my-app/provisioning.ts (named in generated headers). */
  source: string;
  /** The image the template runs on, or an ancestor of it, ships torch. */
  torchInChain: boolean;
}

/**
 * provision.sh: what PROVISIONING_SCRIPT runs at boot (stage 75, supervisord already up, /.provisioning present).
 * Installs the app, writes each service's launch script and supervisor conf (the very files an image build
 * renders), then has supervisord load them; the services wait for /.provisioning to go before they start.
 */
export function renderProvisioningScript(template: ProvisioningDefinition, options: ProvisioningScriptOptions): string {
  const lines = [
    '#!/bin/bash',
    `# Provisioning script for ${template.name} on ${template.from} (PROVISIONING_SCRIPT, run once at boot): installs it and starts its services.`,
    generatedHeader('#', options.source, `nx g @vast/plugin:provisioning ${template.name} --refresh`),
    '#',
    `# ${template.description.replace(/\n/g, ' ')}`,
    'set -euo pipefail',
  ];
  const steps = [...renderInstallSteps(template, { kind: 'provisioning' }, { torchInChain: options.torchInChain }), ...template.steps];
  for (const step of steps) {
    lines.push('', `# Step ${step.name}${step.comment ? `: ${step.comment.replace(/\n/g, ' ')}` : ''}`);
    // A subshell per step, as a RUN is: its venv activation and cd stay inside it; a failure still stops the script.
    lines.push('(', renderStepScript(step, { activateVenv: true }), ')');
  }
  if (!template.services.length) return lines.join('\n') + '\n';
  lines.push('', '# The same launch scripts and supervisor programs an image built from this template ships.');
  lines.push(`mkdir -p ${SUPERVISOR_SCRIPTS_DIR} ${SUPERVISOR_CONF_DIR}`);
  for (const service of template.services) {
    lines.push('', ...writeFileLines(launchScriptPath(service), renderLaunchScript(service, options.source), '0755'));
    lines.push(...writeFileLines(supervisorConfPath(service), renderSupervisorConf(service, options.source), '0644'));
  }
  lines.push(
    '',
    `# supervisord is already running (boot stage 65): load the new programs. They wait for ${provisioningMarkerPath(PROVISIONING_MARKERS.inProgress)} to go,`,
    "# and start only while their label is in /etc/portal.yaml: add it to the template's PORTAL_CONFIG.",
    'supervisorctl reread && supervisorctl update',
    `supervisorctl status ${template.services.map((s) => s.name).join(' ')} || true`,
  );
  return lines.join('\n') + '\n';
}

/** The launch script and supervisor conf a provisioning script writes for each service, read back from its text. */
export function embeddedServiceFiles(script: string): Map<string, string> {
  const files = new Map<string, string>();
  const pattern = /^cat >(\S+) <<'([A-Z0-9_]+)'\n([\s\S]*?)\n\2$/gm;
  for (const match of script.matchAll(pattern)) files.set(match[1], match[3] + '\n');
  return files;
}
