// nx g @vast/plugin:convert <name>: a validated provisioning template becomes a derivative image project. Its services
// are copied as they are, so the image's supervisor program and launch script equal the ones provision.sh writes.
// --manifest=<file> converts a provisioning manifest instead (manifest.ts).
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { IMAGE_NAME } from '@vast/conventions';
import { unfilledPaths } from '@vast/conventions';
import { chainHasTorch, provisioningImageInput, serviceInput, type ProvisioningDefinition } from '@vast/conventions';
import { localVariantOf, type LocalVariant, type NormalizedApp } from '../lib/app-options';
import { GeneratorInputError, throwIfAny } from '../lib/errors';
import { checkNewProjectName, checkRepository, repositoryOf, writeImageProject } from '../lib/image-project';
import { nextSteps } from '../lib/next-steps';
import {
  readProvisioningTemplate,
  renderTemplateScript,
  scriptFileOf,
  templateFileOf,
  type ProvisioningTemplate,
} from '../lib/provisioning-template';
import { renderImageReadme } from '../lib/readme';
import { IMAGES_DIR } from '@vast/conventions';
import { readTreeImages, type TreeImages } from '../lib/tree-images';
import { generateManifestConvert, normalizeManifestConvertOptions } from './manifest';
import type { ConvertGeneratorSchema } from './schema';

export interface NormalizedConvertOptions {
  template: ProvisioningTemplate;
  repository: string;
  images: TreeImages;
  local: LocalVariant;
}

export async function normalizeConvertOptions(tree: Tree, options: ConvertGeneratorSchema): Promise<NormalizedConvertOptions> {
  const name = String(options.name ?? '').trim();
  const problems: string[] = [];
  checkNewProjectName(tree, name, `${IMAGES_DIR}/${name}`, problems);
  const repository = options.repository ?? repositoryOf(name);
  // A bad name already says what is wrong; the repository derived from it would only repeat it.
  if (options.repository !== undefined || IMAGE_NAME.test(name)) checkRepository(repository, problems);
  const images = await readTreeImages(tree);
  const template = await readProvisioningTemplate(tree, images, name);
  const file = templateFileOf(name);
  for (const path of unfilledPaths(template.definition))
    problems.push(`${file}: ${path} still says CHANGEME. Decide it first (and run --refresh so provision.sh matches).`);
  // What is deployed is what gets converted: a provision.sh edited by hand (or not refreshed) would be lost silently.
  const script = scriptFileOf(name);
  if (tree.read(script, 'utf8') !== renderTemplateScript(template)) {
    problems.push(
      `${script} is not what ${file} renders. Run nx g @vast/plugin:provisioning ${name} --refresh (move any hand edits into provisioning.ts first).`,
    );
  }
  throwIfAny(problems, `nx g @vast/plugin:convert ${name}`);
  return { template, repository, images, local: localVariantOf(template.from, template.definition) };
}

/** The README's view of the template's first service with a portal entry. */
function appOf(definition: ProvisioningDefinition): NormalizedApp {
  const service = definition.services.find((s) => s.portal.length) ?? definition.services[0];
  const entry = service.portal[0];
  return {
    name: definition.name,
    description: definition.description,
    service: serviceInput(service),
    install: definition,
    decisions: {},
    external: entry?.externalPort ?? 0,
    internal: entry?.internalPort ?? 0,
  };
}

export function generateConvert(tree: Tree, options: NormalizedConvertOptions): NormalizedApp {
  const { definition, from } = options.template;
  const input = provisioningImageInput(definition, from.definition, { repository: options.repository, torchInChain: chainHasTorch(from) });
  if (!input.services?.length)
    throw new GeneratorInputError(`${templateFileOf(definition.name)}: services: the template has none to convert.`);
  const app = appOf(definition);
  const generatedBy = `nx g @vast/plugin:convert ${definition.name}`;
  writeImageProject(tree, options.images, {
    definition: input,
    markers: {},
    summary: `${definition.name}: ${definition.description.replace(/\.$/, '')}. Converted from ${templateFileOf(definition.name)} by ${generatedBy}; edit freely.`,
    readme: (image) =>
      renderImageReadme({
        app,
        kind: 'derivative',
        parent: from.definition.name,
        generatedBy,
        image,
        local: options.local,
      }),
  });
  return app;
}

export default async function convertGenerator(tree: Tree, options: ConvertGeneratorSchema): Promise<GeneratorCallback> {
  if (options.manifest !== undefined) {
    const fromManifest = await normalizeManifestConvertOptions(tree, options);
    const converted = generateManifestConvert(tree, fromManifest);
    return nextSteps(
      converted,
      `${IMAGES_DIR}/${converted.name}/image.ts`,
      `\`npx nx run ${converted.name}:lint\`, then \`npx nx run ${converted.name}:docker-build --dry-run\``,
    );
  }
  if (options.parent !== undefined || options.description !== undefined)
    throw new GeneratorInputError('--parent and --description go with --manifest; a template names its image in provisioning.ts.');
  const normalized = await normalizeConvertOptions(tree, options);
  const app = generateConvert(tree, normalized);
  const name = app.name;
  const { local } = normalized;
  return nextSteps(
    app,
    `${IMAGES_DIR}/${name}/image.ts`,
    `\`npx nx run ${name}:lint\`, then \`npx nx run ${name}:docker-build${local.local ? ' -c local' : ' --dry-run'}\`${local.local ? '' : ` (no local variant: ${local.why})`}; ${templateFileOf(name)} can go once the image replaces it`,
  );
}
