// Reads image projects from disk (package.json and the value image.ts exports) for the conventions' one reader of the
// image family, resolveImageProjects; the generators feed it from their Tree instead (generators/lib/tree-images.ts).
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IMAGES_DIR,
  imageFileOf,
  packageFileOf,
  parentOf,
  parseImageDefinition,
  resolveImageProjects,
  walkFrom,
  type ImagePackageJson,
  type ImageProjectInput,
  type ImageProjects,
} from '@vast/conventions';
import { loadDefinitionModule } from './load-definition';

export type WorkspaceImages = ImageProjects;

export function imageProjectDirs(workspaceRoot: string): string[] {
  const dir = join(workspaceRoot, IMAGES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'image.ts')))
    .map((d) => d.name)
    .sort();
}

/** Reads one image project's package.json and runs its image.ts. */
async function readImageProject(workspaceRoot: string, name: string): Promise<ImageProjectInput> {
  let pkg: ImageProjectInput['pkg'];
  try {
    pkg = { value: JSON.parse(readFileSync(join(workspaceRoot, packageFileOf(name)), 'utf8')) as ImagePackageJson };
  } catch (e) {
    pkg = { error: `cannot be read (${(e as Error).message}). Every image project needs a package.json with name and version.` };
  }
  let definition: ImageProjectInput['definition'];
  try {
    definition = { value: await loadDefinitionModule(join(workspaceRoot, imageFileOf(name))) };
  } catch (e) {
    definition = { error: `failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  return { name, pkg, definition };
}

/** Every image project of the workspace (golden files, whole-family checks). */
export async function readWorkspaceImages(workspaceRoot: string): Promise<WorkspaceImages> {
  const names = imageProjectDirs(workspaceRoot);
  return resolveImageProjects(await Promise.all(names.map((n) => readImageProject(workspaceRoot, n))), names);
}

/** The parent an image.ts names, if it is valid: only to know which project to read next. */
function parentNamed(input: ImageProjectInput): string | undefined {
  if (!('value' in input.definition)) return undefined;
  const parsed = parseImageDefinition(input.definition.value);
  return parsed.success ? parentOf(parsed.definition) : undefined;
}

/**
 * One image and its FROM ancestors only: what a build, lint or docker-build of that image needs. Loading the
 * chain instead of the family keeps each task's cost flat as the family grows to hundreds of images.
 */
export async function readImageChain(workspaceRoot: string, name: string): Promise<WorkspaceImages> {
  const names = imageProjectDirs(workspaceRoot);
  const read = new Map<string, ImageProjectInput>();
  for (;;) {
    const walk = walkFrom(name, (n) => read.get(n), parentNamed);
    const next = walk.chain.length === 0 ? name : walk.missing;
    if (next === undefined || read.has(next) || !names.includes(next)) break;
    read.set(next, await readImageProject(workspaceRoot, next));
  }
  return resolveImageProjects([...read.values()], names);
}
