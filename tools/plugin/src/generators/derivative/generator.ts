// nx g @vast/plugin:derivative <name>: a new image built FROM another one, lint-clean except for the decisions it
// could not make (CHANGEME markers), which `nx run <name>:lint` names until they are made.
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { IMAGE_NAME } from '@vast/conventions';
import type { ImageDefinitionInput, ResolvedImage } from '@vast/conventions';
import { chainHasTorch, derivativeVariants } from '@vast/conventions';
import { appImageFields, localVariantOf, normalizeAppOptions, type LocalVariant, type NormalizedApp } from '../lib/app-options';
import { throwIfAny } from '../lib/errors';
import { checkNewProjectName, checkRepository, DEFAULT_PARENT, repositoryOf, writeImageProject } from '../lib/image-project';
import { nextSteps } from '../lib/next-steps';
import { renderImageReadme } from '../lib/readme';
import { IMAGES_DIR } from '@vast/conventions';
import { readTreeImages, requireImage, type TreeImages } from '../lib/tree-images';
import type { DerivativeGeneratorSchema } from './schema';

export interface NormalizedDerivativeOptions {
  app: NormalizedApp;
  parent: ResolvedImage;
  repository: string;
  images: TreeImages;
  local: LocalVariant;
}

/** Every option checked (all problems reported together), defaults filled; nothing is written here. */
export async function normalizeDerivativeOptions(tree: Tree, options: DerivativeGeneratorSchema): Promise<NormalizedDerivativeOptions> {
  const name = String(options.name ?? '').trim();
  const problems: string[] = [];
  checkNewProjectName(tree, name, `${IMAGES_DIR}/${name}`, problems);
  const images = await readTreeImages(tree);
  let parent: ResolvedImage;
  try {
    parent = requireImage(images, options.parent ?? DEFAULT_PARENT, '--parent');
  } catch (e) {
    throwIfAny([...problems, (e as Error).message], `nx g @vast/plugin:derivative ${name}`);
    throw e;
  }
  const repository = options.repository ?? repositoryOf(name);
  // A bad name already says what is wrong; the repository derived from it would only repeat it.
  if (options.repository !== undefined || IMAGE_NAME.test(name)) checkRepository(repository, problems);
  const app = normalizeAppOptions(name, options, parent, problems);
  throwIfAny(problems, `nx g @vast/plugin:derivative ${name}`);
  return { app, parent, repository, images, local: localVariantOf(parent, app.install) };
}

/** The image.ts input of a derivative app and the paths of its undecided fields. */
export function derivativeDefinition(options: NormalizedDerivativeOptions): {
  definition: ImageDefinitionInput;
  markers: Record<string, string>;
} {
  const { app, parent } = options;
  const { fields, markers } = appImageFields(app, options.repository, chainHasTorch(parent));
  const definition: ImageDefinitionInput = {
    name: app.name,
    class: 'derivative',
    parent: parent.definition.name,
    ...fields,
    variants: derivativeVariants(parent.definition, { local: options.local.local }),
  };
  return { definition, markers };
}

/** Internal: writes the normalised derivative (validated against the family first). */
export function generateDerivative(tree: Tree, options: NormalizedDerivativeOptions, generatedBy: string): void {
  const { app, parent } = options;
  const { definition, markers } = derivativeDefinition(options);
  writeImageProject(tree, options.images, {
    definition,
    markers,
    summary: `${app.name}: '${app.service.portalLabel}' on ${parent.definition.name}. Made by ${generatedBy}; edit freely, \`nx run ${app.name}:lint\` checks it.`,
    readme: (image) =>
      renderImageReadme({
        app,
        kind: 'derivative',
        parent: parent.definition.name,
        generatedBy,
        image,
        local: options.local,
      }),
  });
}

export default async function derivativeGenerator(tree: Tree, options: DerivativeGeneratorSchema): Promise<GeneratorCallback> {
  const normalized = await normalizeDerivativeOptions(tree, options);
  generateDerivative(tree, normalized, `nx g @vast/plugin:derivative ${normalized.app.name}`);
  const { local } = normalized;
  const name = normalized.app.name;
  return nextSteps(
    normalized.app,
    `${IMAGES_DIR}/${name}/image.ts`,
    local.local
      ? `\`npx nx run ${name}:lint\` (it names any marker left), and \`npx nx run ${name}:docker-build -c local\` builds it offline`
      : `\`npx nx run ${name}:lint\` (it names any marker left), and \`npx nx run ${name}:docker-build --dry-run\` prints its build plan. No local variant: ${local.why}`,
  );
}
