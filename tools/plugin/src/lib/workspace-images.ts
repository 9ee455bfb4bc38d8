// Reads every image project of the workspace: its image.ts (validated) and package.json, and checks the two agree.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageDefinition, resolveImageGraph, type ImageRecord, type ResolvedImage, type GraphError } from '@vast/conventions';
import { loadDefinitionModule } from './load-definition';

export const IMAGES_DIR = 'packages/images';
export const PACKAGE_SCOPE = '@vast/';

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

export async function readWorkspaceImages(workspaceRoot: string): Promise<WorkspaceImages> {
  const records: ImageRecord[] = [];
  const errors: GraphError[] = [];
  const packages = new Map<string, PackageJson>();
  for (const dirName of imageProjectDirs(workspaceRoot)) {
    const file = `${IMAGES_DIR}/${dirName}/image.ts`;
    const pkgFile = `${IMAGES_DIR}/${dirName}/package.json`;
    let pkg: PackageJson = {};
    try {
      pkg = JSON.parse(readFileSync(join(workspaceRoot, pkgFile), 'utf8'));
    } catch (e) {
      errors.push({ file: pkgFile, path: '(root)', message: `cannot be read (${(e as Error).message}). Every image project needs a package.json with name and version.` });
      continue;
    }
    let value: unknown;
    try {
      value = await loadDefinitionModule(join(workspaceRoot, file));
    } catch (e) {
      errors.push({ file, path: '(module)', message: `failed to load: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    const parsed = parseImageDefinition(value);
    if (!parsed.success) {
      errors.push(...parsed.errors.map((err) => ({ file, ...err })));
      continue;
    }
    const definition = parsed.definition;
    if (definition.name !== dirName) {
      errors.push({ file, path: 'name', message: `is '${definition.name}' but the project folder is '${dirName}'. They must match (the name is the Nx project and the dist folder).` });
      continue;
    }
    packages.set(definition.name, pkg);
    records.push({ file, version: pkg.version ?? '0.0.0', definition });
  }

  const resolved = resolveImageGraph(records);
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
    if (def.class !== 'base') {
      const parentPkg = packages.get(def.parent);
      const pinned = pkg.dependencies?.[`${PACKAGE_SCOPE}${def.parent}`];
      if (parentPkg && pinned !== parentPkg.version) {
        errors.push({
          file: pkgFile,
          path: `dependencies.${PACKAGE_SCOPE}${def.parent}`,
          message: `${pinned === undefined ? 'is missing' : `is '${pinned}'`}; image.ts builds FROM ${def.parent}, so pin it exactly: "${PACKAGE_SCOPE}${def.parent}": "${parentPkg.version}" (the Nx graph edge and the changesets cascade both come from this pin).`,
        });
      }
    }
    const stray = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith(PACKAGE_SCOPE) && packages.has(d.slice(PACKAGE_SCOPE.length)) && d !== `${PACKAGE_SCOPE}${def.class === 'base' ? '' : def.parent}`);
    for (const dep of stray) {
      errors.push({ file: pkgFile, path: `dependencies.${dep}`, message: `pins another image, but image.ts builds FROM ${def.class === 'base' ? 'no image of the family' : def.parent}. Remove it.` });
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
