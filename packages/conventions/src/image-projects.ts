// The image family from what was read of each project folder (package.json, and the value image.ts exports): the
// validated records, the resolved FROM graph and every error, including package.json pins that drift from image.ts.
// Pure, so the plugin (files on disk) and the generators (their Tree) read the family through the same rules.
import { parseImageDefinition } from './schema';
import { parentOf, resolveImageGraph, type GraphError, type ImageRecord, type ResolvedImage } from './graph';

export const IMAGES_DIR = 'packages/images';
export const PACKAGE_SCOPE = '@vast/';

/** Workspace-relative path of an image project's definition. */
export const imageFileOf = (name: string) => `${IMAGES_DIR}/${name}/image.ts`;
/** Workspace-relative path of an image project's package.json. */
export const packageFileOf = (name: string) => `${IMAGES_DIR}/${name}/package.json`;
/** The npm name of an image project: the name the parent pin and changesets use. */
export const packageNameOf = (name: string) => `${PACKAGE_SCOPE}${name}`;

export interface ImagePackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  nx?: { name?: string };
}

/** What reading a file gave: its value, or why it could not be read (a message that says what to do). */
export type ReadOutcome<T> = { value: T } | { error: string };

/** One project folder under packages/images, as read by whoever has the files. */
export interface ImageProjectInput {
  /** The folder name (the image and Nx project name). */
  name: string;
  pkg: ReadOutcome<ImagePackageJson>;
  /** The default export of image.ts, not yet validated. */
  definition: ReadOutcome<unknown>;
}

export interface ImageProjects {
  /** Every folder under packages/images that holds an image.ts (loadable or not). */
  projects: string[];
  records: ImageRecord[];
  images: Map<string, ResolvedImage>;
  errors: GraphError[];
}

/** Validates each project read, resolves the FROM graph of those that are valid, and checks their package.json pins. */
export function resolveImageProjects(inputs: ImageProjectInput[], projects: readonly string[]): ImageProjects {
  const records: ImageRecord[] = [];
  const packages = new Map<string, ImagePackageJson>();
  const errors: GraphError[] = [];
  for (const input of inputs) {
    const file = imageFileOf(input.name);
    if ('error' in input.pkg) {
      errors.push({ file: packageFileOf(input.name), path: '(root)', message: input.pkg.error });
      continue;
    }
    if ('error' in input.definition) {
      errors.push({ file, path: '(module)', message: input.definition.error });
      continue;
    }
    const parsed = parseImageDefinition(input.definition.value);
    if (!parsed.success) {
      errors.push(...parsed.errors.map((err) => ({ file, ...err })));
      continue;
    }
    if (parsed.definition.name !== input.name) {
      errors.push({
        file,
        path: 'name',
        message: `is '${parsed.definition.name}' but the project folder is '${input.name}'. They must match (the name is the Nx project and the dist folder).`,
      });
      continue;
    }
    records.push({ file, version: input.pkg.value.version ?? '0.0.0', definition: parsed.definition });
    packages.set(input.name, input.pkg.value);
  }
  const resolved = resolveImageGraph(records, projects);
  return {
    projects: [...projects],
    records,
    images: resolved.images,
    errors: [...errors, ...resolved.errors, ...checkPackagePins(records, packages, projects)],
  };
}

/**
 * One fact, two places: image.ts names the parent, package.json pins it (the Nx graph edge and the changesets
 * cascade both come from the pin). Each package.json must be named like its image and pin exactly its parent's
 * version, and no other image of the family.
 */
export function checkPackagePins(
  records: ImageRecord[],
  packages: ReadonlyMap<string, ImagePackageJson>,
  projects: readonly string[],
): GraphError[] {
  const errors: GraphError[] = [];
  for (const record of records) {
    const def = record.definition;
    const pkg = packages.get(def.name) ?? {};
    const pkgFile = packageFileOf(def.name);
    if (pkg.name !== packageNameOf(def.name)) {
      errors.push({ file: pkgFile, path: 'name', message: `is '${pkg.name}'; it must be '${packageNameOf(def.name)}' to match image.ts.` });
    }
    if (pkg.nx?.name !== def.name) {
      errors.push({ file: pkgFile, path: 'nx.name', message: `must be '${def.name}' so the Nx project is named like the image.` });
    }
    const parent = parentOf(def);
    if (parent !== undefined) {
      const parentPkg = packages.get(parent);
      const pinned = pkg.dependencies?.[packageNameOf(parent)];
      if (parentPkg && pinned !== parentPkg.version) {
        errors.push({
          file: pkgFile,
          path: `dependencies.${packageNameOf(parent)}`,
          message: `${pinned === undefined ? 'is missing' : `is '${pinned}'`}; image.ts builds FROM ${parent}, so pin it exactly: "${packageNameOf(parent)}": "${parentPkg.version}" (the Nx graph edge and the changesets cascade both come from this pin).`,
        });
      }
    }
    const stray = Object.keys(pkg.dependencies ?? {}).filter(
      (d) => d.startsWith(PACKAGE_SCOPE) && projects.includes(d.slice(PACKAGE_SCOPE.length)) && d !== packageNameOf(parent ?? ''),
    );
    for (const dep of stray) {
      errors.push({
        file: pkgFile,
        path: `dependencies.${dep}`,
        message: `pins another image, but image.ts builds FROM ${parent ?? 'no image of the family'}. Remove it.`,
      });
    }
  }
  return errors;
}

/** Errors that concern this image or one of its ancestors (a broken sibling does not stop a build). */
export function errorsForChain(family: Pick<ImageProjects, 'images' | 'errors'>, name: string): GraphError[] {
  const image = family.images.get(name);
  const names = image ? [image, ...image.ancestors].map((r) => r.definition.name) : [name];
  const files = new Set(names.flatMap((n) => [imageFileOf(n), packageFileOf(n)]));
  return family.errors.filter((e) => files.has(e.file));
}
