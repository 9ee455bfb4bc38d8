// nx g @vast/plugin:provisioning <name> --from=<image>: a provisioning-only template. provisioning.ts is the typed
// definition (same service and step shapes as image.ts); provision.sh is rendered from it by the same conventions
// renderers the image build uses. --refresh renders provision.sh again after provisioning.ts was edited.
// --manifest writes a provisioning manifest for the image instead (manifest.ts).
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { applyMarkers, renderProvisioningSource, UNFILLED_MARKER } from '@vast/conventions';
import { parseProvisioningDefinition, type ProvisioningDefinitionInput } from '@vast/conventions';
import type { ResolvedImage } from '@vast/conventions';
import { chainPortalConfig, decisionMarkers, normalizeAppOptions, type NormalizedApp } from '../lib/app-options';
import { GeneratorInputError, throwIfAny } from '../lib/errors';
import { checkNewProjectName, DEFAULT_PARENT } from '../lib/image-project';
import { nextSteps } from '../lib/next-steps';
import { readProvisioningTemplate, renderTemplateScript, scriptFileOf, templateDirOf, templateFileOf } from '../lib/provisioning-template';
import { readTreeImages, requireImage } from '../lib/tree-images';
import { generateManifest, normalizeManifestOptions } from './manifest';
import type { ProvisioningGeneratorSchema } from './schema';

export interface NormalizedProvisioningOptions {
  app: NormalizedApp;
  from: ResolvedImage;
  /** No service: the steps download or install, and that is all. */
  modelsOnly: boolean;
}

/** The options that shape a service, which a models-only template does not have. */
const SERVICE_OPTIONS = ['service', 'label', 'portalPath', 'port', 'internalPort', 'command', 'workdir'] as const;

export async function normalizeProvisioningOptions(
  tree: Tree,
  options: ProvisioningGeneratorSchema,
): Promise<NormalizedProvisioningOptions> {
  const name = String(options.name ?? '').trim();
  const command = `nx g @vast/plugin:provisioning ${name}`;
  const problems: string[] = [];
  checkNewProjectName(tree, name, templateDirOf(name), problems);
  const images = await readTreeImages(tree);
  let from: ResolvedImage;
  try {
    from = requireImage(images, options.from ?? DEFAULT_PARENT, '--from');
  } catch (e) {
    throwIfAny([...problems, (e as Error).message], command);
    throw e;
  }
  const modelsOnly = options.modelsOnly === true;
  const given = modelsOnly ? SERVICE_OPTIONS.filter((o) => options[o] !== undefined) : [];
  if (given.length)
    problems.push(
      `${given.map((o) => `--${o}`).join(', ')} describe a service, and --modelsOnly makes a template without one. Drop one or the other.`,
    );
  const app = normalizeAppOptions(name, options, from, problems);
  if (modelsOnly) {
    delete app.decisions.command;
    app.decisions.steps = `the commands that download or install what ${name} provides (e.g. models into \${WORKSPACE}), one per line`;
  }
  throwIfAny(problems, command);
  return { app, from, modelsOnly };
}

export function provisioningDefinition(options: NormalizedProvisioningOptions): {
  definition: ProvisioningDefinitionInput;
  markers: Record<string, string>;
} {
  const { app, from } = options;
  const definition: ProvisioningDefinitionInput = {
    name: app.name,
    from: from.definition.name,
    description: app.description,
    ...(app.install.aptPackages.length ? { aptPackages: [...app.install.aptPackages] } : {}),
    ...(app.install.pythonPackages.length ? { pythonPackages: [...app.install.pythonPackages] } : {}),
    ...(app.install.git ? { git: app.install.git } : {}),
    ...(options.modelsOnly
      ? { steps: [{ name: 'models', comment: `What ${app.name} downloads or installs at boot.`, run: UNFILLED_MARKER }] }
      : { services: [app.service] }),
  };
  const markers = decisionMarkers(app, 'git.ref');
  return { definition, markers };
}

function renderReadme(options: NormalizedProvisioningOptions): string {
  const { app, from } = options;
  if (options.modelsOnly) {
    return [
      `# ${app.name} (provisioning template, no service)`,
      '',
      app.decisions.description ? `_One sentence about ${app.name} goes here (and in provisioning.ts)._` : app.description,
      '',
      `Runs its steps at boot on an instance of \`${from.definition.name}\` (downloads, installs) and starts nothing: the image's own`,
      `services use what it provides. Made with \`nx g @vast/plugin:provisioning ${app.name} --from=${from.definition.name} --modelsOnly\`.`,
      '',
      '- `provisioning.ts`: the definition (packages and steps). Edit this.',
      `- \`provision.sh\`: rendered from it; after an edit run \`npx nx g @vast/plugin:provisioning ${app.name} --refresh\`.`,
      '',
      '## Use it in a template',
      '',
      'Set `PROVISIONING_SCRIPT` to a URL of `provision.sh` (or a path inside the container).',
      '',
    ].join('\n');
  }
  return [
    `# ${app.name} (provisioning template)`,
    '',
    app.decisions.description ? `_One sentence about ${app.name} goes here (and in provisioning.ts)._` : app.description,
    '',
    `Installs ${app.name} at boot on an instance of \`${from.definition.name}\` and starts it as the supervisor program`,
    `\`${app.name}\`, with the same launch script and conf an image would ship. Made with \`nx g @vast/plugin:provisioning ${app.name} --from=${from.definition.name}\`.`,
    '',
    '- `provisioning.ts`: the definition (packages, git source, the service). Edit this.',
    `- \`provision.sh\`: rendered from it; after an edit run \`npx nx g @vast/plugin:provisioning ${app.name} --refresh\`.`,
    '',
    '## Use it in a template',
    '',
    `Set \`PROVISIONING_SCRIPT\` to an https URL of \`provision.sh\` (or a path inside the container), optionally`,
    `\`PROVISIONING_SCRIPT_SHA256\` to its \`sha256sum\` (the image then runs only that content), and list the service in`,
    `\`PORTAL_CONFIG\` (it starts only while its label '${app.service.portalLabel}' is there):`,
    '',
    '```',
    `PORTAL_CONFIG="${chainPortalConfig(from, app)}"`,
    '```',
    '',
    '## Make it an image',
    '',
    `When the app should ship baked in: \`npx nx g @vast/plugin:convert ${app.name}\` writes \`packages/images/${app.name}\`, a`,
    `derivative of \`${from.definition.name}\` with the same installs and the same service.`,
    '',
  ].join('\n');
}

/** Internal: writes provisioning.ts, provision.sh and README.md (validated first). */
export function generateProvisioning(tree: Tree, options: NormalizedProvisioningOptions): void {
  const { definition, markers } = provisioningDefinition(options);
  const file = templateFileOf(definition.name);
  const parsed = parseProvisioningDefinition(applyMarkers(definition, markers));
  if (!parsed.success)
    throw new GeneratorInputError([`${file} would be invalid:`, ...parsed.errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  tree.write(
    file,
    renderProvisioningSource(definition, {
      markers,
      summary: `${definition.name}: provisioning-only template for ${options.from.definition.name}. Made by nx g @vast/plugin:provisioning; edit freely, then --refresh.`,
    }),
  );
  tree.write(scriptFileOf(definition.name), renderTemplateScript({ definition: parsed.definition, from: options.from }), { mode: '755' });
  tree.write(`${templateDirOf(definition.name)}/README.md`, renderReadme(options));
}

/** --refresh: provision.sh from the edited provisioning.ts; nothing else changes. */
export async function refreshProvisioning(tree: Tree, name: string): Promise<void> {
  const template = await readProvisioningTemplate(tree, await readTreeImages(tree), name);
  tree.write(scriptFileOf(name), renderTemplateScript(template), { mode: '755' });
}

export default async function provisioningGenerator(tree: Tree, options: ProvisioningGeneratorSchema): Promise<GeneratorCallback | void> {
  if (options.refresh) {
    await refreshProvisioning(tree, String(options.name ?? '').trim());
    return;
  }
  if (options.manifest) {
    const manifest = await normalizeManifestOptions(tree, options);
    const file = generateManifest(tree, manifest);
    return nextSteps(manifest.app, file, `\`npx nx run ${manifest.from.definition.name}:lint\` checks it`);
  }
  if (options.download !== undefined)
    throw new GeneratorInputError('--download needs --manifest: a provisioning script has no download list. Add --manifest.');
  const normalized = await normalizeProvisioningOptions(tree, options);
  generateProvisioning(tree, normalized);
  const name = normalized.app.name;
  return nextSteps(
    normalized.app,
    templateFileOf(name),
    `\`npx nx g @vast/plugin:provisioning ${name} --refresh\` renders provision.sh again`,
  );
}
