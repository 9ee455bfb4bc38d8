// Test support for generator specs: a virtual workspace holding this repo's real image projects and conventions
// package.json, and helpers to read a generated image back and assemble its context in memory.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { chainLintFacts, lintContext, renderContextFiles, type ContextFile, type LintFinding } from '@vast/conventions';
import { readTreeImages } from './tree-images';
import { IMAGES_DIR } from '@vast/conventions';
import { imageProjectDirs } from '../../lib/workspace-images';

export const repoRoot = join(__dirname, '../../../../..');

/** A file the generator wrote, as text ('' when it did not write it). */
export const readText = (tree: Tree, path: string) => tree.read(path, 'utf8') ?? '';

/**
 * An empty Nx workspace plus packages/conventions/package.json and, of every image project, package.json and its
 * TypeScript files (image.ts and what it imports by a relative path), read from this workspace: a new image is in.
 */
export function createImageTree(options: { lockFile?: boolean } = {}): Tree {
  const tree = createTreeWithEmptyWorkspace();
  const copy = (path: string) => tree.write(path, readFileSync(join(repoRoot, path)));
  copy('packages/conventions/package.json');
  for (const name of imageProjectDirs(repoRoot)) {
    for (const file of readdirSync(join(repoRoot, IMAGES_DIR, name)))
      if (file === 'package.json' || file.endsWith('.ts')) copy(`${IMAGES_DIR}/${name}/${file}`);
  }
  if (options.lockFile) {
    const lock = {
      name: 'vast-images',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'vast-images', workspaces: ['packages/*', 'packages/images/*', 'tools/*'] },
        'node_modules/@vast/base-image': { resolved: 'packages/images/base-image', link: true },
        'node_modules/@vast/pytorch': { resolved: 'packages/images/pytorch', link: true },
        'node_modules/zod': { version: '4.6.7' },
        'packages/images/base-image': { name: '@vast/base-image', version: '1.0.0' },
        'packages/images/pytorch': { name: '@vast/pytorch', version: '1.0.0' },
      },
    };
    tree.write('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
  }
  baselines.set(tree, new Map(tree.listChanges().map((c) => [c.path, c.content?.toString('utf8') ?? null])));
  return tree;
}

const baselines = new WeakMap<Tree, Map<string, string | null>>();

/** What a generator did to the tree since createImageTree: `CREATE path`, `UPDATE path` or `DELETE path`, sorted. */
export function changedPaths(tree: Tree): string[] {
  const baseline = baselines.get(tree) ?? new Map<string, string | null>();
  const out: string[] = [];
  const now = new Map(tree.listChanges().map((c) => [c.path, c]));
  for (const [path, change] of now) {
    if (!baseline.has(path)) out.push(`${change.type} ${path}`);
    else if (change.type === 'DELETE') out.push(`DELETE ${path}`);
    else if ((change.content?.toString('utf8') ?? null) !== baseline.get(path)) out.push(`UPDATE ${path}`);
  }
  for (const path of baseline.keys()) if (!now.has(path)) out.push(`DELETE ${path}`);
  return out.sort();
}

/** The generated image read back from the tree (as the build reads it), its assembled files and their lint findings. */
export async function assembleFromTree(tree: Tree, name: string): Promise<{ files: ContextFile[]; findings: LintFinding[] }> {
  const images = await readTreeImages(tree);
  const own = images.errors.filter((e) => e.file.includes(`/${name}/`));
  if (own.length) throw new Error(own.map((e) => `${e.file}: ${e.path}: ${e.message}`).join('\n'));
  const image = images.images.get(name);
  if (!image) throw new Error(`${name} did not resolve`);
  const files = renderContextFiles(image);
  const findings = lintContext({ image: name, class: image.definition.class, source: image.file, files, ...chainLintFacts(image) });
  return { files, findings };
}
