// The image family as the generator's Tree holds it (which may exist only in memory), read through the same
// conventions function the build target's reader uses (resolveImageProjects).
import { type Tree } from '@nx/devkit';
import {
  IMAGES_DIR,
  imageFileOf,
  packageFileOf,
  resolveImageProjects,
  type ImageProjectInput,
  type ImageProjects,
  type ResolvedImage,
} from '@vast/conventions';
import { evaluateDefinitionFile } from './evaluate-source';
import { GeneratorInputError } from './errors';

export type TreeImages = ImageProjects;

async function readTreeProject(tree: Tree, name: string): Promise<ImageProjectInput> {
  const pkgText = tree.read(packageFileOf(name), 'utf8');
  let pkg: ImageProjectInput['pkg'];
  try {
    pkg =
      pkgText === null
        ? { error: 'does not exist. Every image project needs a package.json with name and version.' }
        : { value: JSON.parse(pkgText) };
  } catch (e) {
    pkg = { error: `cannot be read (${(e as Error).message}). Every image project needs a package.json with name and version.` };
  }
  let definition: ImageProjectInput['definition'];
  try {
    definition = { value: await evaluateDefinitionFile(tree, imageFileOf(name)) };
  } catch (e) {
    definition = { error: (e as Error).message };
  }
  return { name, pkg, definition };
}

export async function readTreeImages(tree: Tree): Promise<TreeImages> {
  const projects = tree.exists(IMAGES_DIR)
    ? tree
        .children(IMAGES_DIR)
        .filter((d) => tree.exists(imageFileOf(d)))
        .sort()
    : [];
  return resolveImageProjects(await Promise.all(projects.map((name) => readTreeProject(tree, name))), projects);
}

/** The resolved image `name`, or a message naming the option, the choices and why it cannot be used. */
export function requireImage(images: TreeImages, name: string, option: string): ResolvedImage {
  const image = images.images.get(name);
  if (image) return image;
  if (!images.projects.includes(name)) {
    throw new GeneratorInputError(
      `${option}: '${name}' is not an image project. Use one of: ${images.projects.join(', ') || '(none: packages/images is empty)'}.`,
    );
  }
  const own = images.errors.filter((e) => e.file === imageFileOf(name) || e.file.startsWith(`${IMAGES_DIR}/${name}/`));
  const shown = own.length ? own : images.errors;
  throw new GeneratorInputError(
    `${option}: '${name}' cannot be built on until its definition is fixed:\n${shown.map((e) => `  ${e.file}: ${e.path}: ${e.message}`).join('\n')}`,
  );
}
