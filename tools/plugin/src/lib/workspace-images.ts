// Reads every image project of the workspace: its image.ts (validated) and package.json, and checks the two agree.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentOf, parseImageDefinition, resolveImageGraph, type ImageRecord, type ResolvedImage, type GraphError } from '@vast/conventions';
import { loadDefinitionModule } from './load-definition';

export const IMAGES_DIR = 'packages/images';
export const PACKAGE_SCOPE = '@vast/';

/** Workspace-relative path of an image project's definition. */
export const imageFileOf = (name: string) => `${IMAGES_DIR}/${name}/image.ts`;

export interface WorkspaceImages {
  images: Map<string, ResolvedImage>;
  errors: GraphError[];
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  nx?: { name?: string };
}

export function imageProjectDirs(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, IMAGES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'image.ts')))
    .map((d) => d.name)
    .sort();
}

interface LoadedImage {
  record?: ImageRecord;
  pkg: PackageJson;
  errors: GraphError[];
}

/** Loads and validates one image project: its image.ts and package.json. */
async function loadImage(workspaceRoot: string, dirName: string): Promise<LoadedImage> {
  const file = imageFileOf(dirName);
  const pkgFile = `${IMAGES_DIR}/${dirName}/package.json`;
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(readFileSync(join(workspaceRoot, pkgFile), 'utf8'));
  } catch (e) {
    return { pkg: {}, errors: [{ file: pkgFile, path: '(root)', message: `cannot be read (${(e as Error).message}). Every image project needs a package.json with name and version.` }] };
  }
  let value: unknown;
  try {
    value = await loadDefinitionModule(join(workspaceRoot, file));
  } catch (e) {
    return { pkg, errors: [{ file, path: '(module)', message: `failed to load: ${(e as Error).message.split('\n')[0]}` }] };
  }
  const parsed = parseImageDefinition(value);
  if (!parsed.success) return { pkg, errors: parsed.errors.map((err) => ({ file, ...err })) };
  if (parsed.definition.name !== dirName) {
    return { pkg, errors: [{ file, path: 'name', message: `is '${parsed.definition.name}' but the project folder is '${dirName}'. They must match (the name is the Nx project and the dist folder).` }] };
  }
  return { pkg, errors: [], record: { file, version: pkg.version ?? '0.0.0', definition: parsed.definition } };
}

/** Every image project of the workspace (golden files, whole-family checks). */
export async function readWorkspaceImages(workspaceRoot: string): Promise<WorkspaceImages> {
  const names = imageProjectDirs(workspaceRoot);
  return resolveLoaded(await Promise.all(names.map((n) => loadImage(workspaceRoot, n))), names);
}

/**
 * One image and its FROM ancestors only: what a build, lint or docker-build of that image needs. Loading the
 * chain instead of the family keeps each task's cost flat as the family grows to hundreds of images.
 */
export async function readImageChain(workspaceRoot: string, name: string): Promise<WorkspaceImages> {
  const names = imageProjectDirs(workspaceRoot);
  const loaded: LoadedImage[] = [];
  const seen = new Set<string>();
  let next: string | undefined = name;
  while (next !== undefined && !seen.has(next) && names.includes(next)) {
    seen.add(next);
    const image = await loadImage(workspaceRoot, next);
    loaded.push(image);
    next = image.record ? parentOf(image.record.definition) : undefined;
  }
  return resolveLoaded(loaded, names);
}

function resolveLoaded(loaded: LoadedImage[], projects: string[]): WorkspaceImages {
  const records = loaded.flatMap((l) => (l.record ? [l.record] : []));
  const errors = loaded.flatMap((l) => l.errors);
  const packages = new Map(loaded.flatMap((l) => (l.record ? [[l.record.definition.name, l.pkg] as const] : [])));
  const resolved = resolveImageGraph(records, projects);
  errors.push(...resolved.errors);

  // One fact, two places: image.ts names the parent, package.json pins it (for Nx and changesets). Drift fails.
  for (const record of records) {
    const def = record.definition;
    const pkg = packages.get(def.name) ?? {};
    const pkgFile = record.file.replace(/image\.ts$/, 'package.json');
    if (pkg.name !== `${PACKAGE_SCOPE}${def.name}`) {
      errors.push({ file: pkgFile, path: 'name', message: `is '${pkg.name}'; it must be '${PACKAGE_SCOPE}${def.name}' to match image.ts.` });
    }
    if (pkg.nx?.name !== def.name) {
      errors.push({ file: pkgFile, path: 'nx.name', message: `must be '${def.name}' so the Nx project is named like the image.` });
    }
    const parent = parentOf(def);
    if (parent !== undefined) {
      const parentPkg = packages.get(parent);
      const pinned = pkg.dependencies?.[`${PACKAGE_SCOPE}${parent}`];
      if (parentPkg && pinned !== parentPkg.version) {
        errors.push({
          file: pkgFile,
          path: `dependencies.${PACKAGE_SCOPE}${parent}`,
          message: `${pinned === undefined ? 'is missing' : `is '${pinned}'`}; image.ts builds FROM ${parent}, so pin it exactly: "${PACKAGE_SCOPE}${parent}": "${parentPkg.version}" (the Nx graph edge and the changesets cascade both come from this pin).`,
        });
      }
    }
    const stray = Object.keys(pkg.dependencies ?? {}).filter(
      (d) => d.startsWith(PACKAGE_SCOPE) && projects.includes(d.slice(PACKAGE_SCOPE.length)) && d !== `${PACKAGE_SCOPE}${parent ?? ''}`,
    );
    for (const dep of stray) {
      errors.push({ file: pkgFile, path: `dependencies.${dep}`, message: `pins another image, but image.ts builds FROM ${parent ?? 'no image of the family'}. Remove it.` });
    }
  }
  return { images: resolved.images, errors };
}

/** Errors that concern this image or one of its ancestors (a broken sibling does not stop a build). */
export function errorsForChain(workspace: WorkspaceImages, name: string, workspaceRootFiles: (image: string) => string): GraphError[] {
  const image = workspace.images.get(name);
  const files = new Set<string>();
  const chain = image ? [image, ...image.ancestors] : [];
  for (const r of chain) {
    files.add(r.file);
    files.add(r.file.replace(/image\.ts$/, 'package.json'));
  }
  if (!image) {
    files.add(workspaceRootFiles(name));
    files.add(workspaceRootFiles(name).replace(/image\.ts$/, 'package.json'));
  }
  return workspace.errors.filter((e) => files.has(e.file));
}
