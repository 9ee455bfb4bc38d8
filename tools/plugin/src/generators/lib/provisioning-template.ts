// A provisioning template in the Tree (packages/provisioning/<name>/): read, validated, and its provision.sh rendered.
import type { Tree } from '@nx/devkit';
import { chainHasTorch, parseProvisioningDefinition, renderProvisioningScript, type ProvisioningDefinition } from '@vast/conventions';
import type { ResolvedImage } from '@vast/conventions';
import { evaluateDefinitionFile } from './evaluate-source';
import { GeneratorInputError } from './errors';
import { requireImage, type TreeImages } from './tree-images';

export const PROVISIONING_DIR = 'packages/provisioning';
export const templateDirOf = (name: string) => `${PROVISIONING_DIR}/${name}`;
export const templateFileOf = (name: string) => `${templateDirOf(name)}/provisioning.ts`;
export const scriptFileOf = (name: string) => `${templateDirOf(name)}/provision.sh`;

export interface ProvisioningTemplate {
  definition: ProvisioningDefinition;
  /** The image the template provisions, resolved with its ancestors. */
  from: ResolvedImage;
}

/** provision.sh as provisioning.ts renders it. */
export function renderTemplateScript(template: ProvisioningTemplate): string {
  return renderProvisioningScript(template.definition, {
    source: templateFileOf(template.definition.name),
    torchInChain: chainHasTorch(template.from),
  });
}

/** Reads and validates packages/provisioning/<name>/provisioning.ts; every error names the file and the field. */
export async function readProvisioningTemplate(tree: Tree, images: TreeImages, name: string): Promise<ProvisioningTemplate> {
  const file = templateFileOf(name);
  if (!tree.exists(file)) {
    throw new GeneratorInputError(
      `${file} does not exist. Create the template with: nx g @vast/plugin:provisioning ${name} --from=<image>.`,
    );
  }
  let value: unknown;
  try {
    value = await evaluateDefinitionFile(tree, file);
  } catch (e) {
    throw new GeneratorInputError((e as Error).message);
  }
  const parsed = parseProvisioningDefinition(value);
  if (!parsed.success)
    throw new GeneratorInputError([`${file} is invalid:`, ...parsed.errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
  if (parsed.definition.name !== name) {
    throw new GeneratorInputError(`${file}: name is '${parsed.definition.name}' but the folder is '${name}'. They must match.`);
  }
  let from: ResolvedImage;
  try {
    from = requireImage(images, parsed.definition.from, `${file}: from`);
  } catch (e) {
    throw new GeneratorInputError((e as Error).message);
  }
  return { definition: parsed.definition, from };
}
