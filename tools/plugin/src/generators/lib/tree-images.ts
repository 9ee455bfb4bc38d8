// The image family as the generator's Tree holds it: every packages/images/<name>/ with image.ts and package.json,
// validated and resolved with the same conventions functions the build target uses.
import { readJson, type Tree } from '@nx/devkit';
import { parseImageDefinition, resolveImageGraph, type GraphError, type ImageRecord, type ResolvedImage } from '@vast/conventions';
import { IMAGES_DIR, imageFileOf } from '../../lib/workspace-images';
import { evaluateDefinitionFile } from './evaluate-source';
import { GeneratorInputError } from './errors';

export interface TreeImages {
  /** Every folder under packages/images that holds an image.ts (loadable or not). */
  projects: string[];
  records: ImageRecord[];
  images: Map<string, ResolvedImage>;
  errors: GraphError[];
}

export async function readTreeImages(tree: Tree): Promise<TreeImages> {
  const projects = tree.exists(IMAGES_DIR) ? tree.children(IMAGES_DIR).filter((d) => tree.exists(imageFileOf(d))).sort() : [];
  const records: ImageRecord[] = [];
  const errors: GraphError[] = [];
  for (const name of projects) {
    const file = imageFileOf(name);
    const pkgFile = `${IMAGES_DIR}/${name}/package.json`;
    let version = '0.0.0';
    if (tree.exists(pkgFile)) version = readJson<{ version?: string }>(tree, pkgFile).version ?? version;
    let value: unknown;
    try {
      value = await evaluateDefinitionFile(tree, file);
    } catch (e) {
      errors.push({ file, path: '(module)', message: (e as Error).message });
      continue;
    }
    const parsed = parseImageDefinition(value);
    if (!parsed.success) {
      errors.push(...parsed.errors.map((err) => ({ file, ...err })));
      continue;
    }
    records.push({ file, version, definition: parsed.definition });
  }
  const resolved = resolveImageGraph(records, projects);
  return { projects, records, images: resolved.images, errors: [...errors, ...resolved.errors] };
}

/** The resolved image `name`, or a message naming the option, the choices and why it cannot be used. */
export function requireImage(images: TreeImages, name: string, option: string): ResolvedImage {
  const image = images.images.get(name);
  if (image) return image;
  if (!images.projects.includes(name)) {
    throw new GeneratorInputError(`${option}: '${name}' is not an image project. Use one of: ${images.projects.join(', ') || '(none: packages/images is empty)'}.`);
  }
  const own = images.errors.filter((e) => e.file === imageFileOf(name) || e.file.startsWith(`${IMAGES_DIR}/${name}/`));
  const shown = own.length ? own : images.errors;
  throw new GeneratorInputError(`${option}: '${name}' cannot be built on until its definition is fixed:\n${shown.map((e) => `  ${e.file}: ${e.path}: ${e.message}`).join('\n')}`);
}
