// Evaluates an image.ts or provisioning.ts held in the generator's Tree (which may exist only in memory) the way a
// build loads it from disk: loadDefinitionModule bundles its relative imports (read from the Tree too) with esbuild.
import { join, relative } from 'node:path';
import type { Tree } from '@nx/devkit';
import { loadDefinitionModule } from '../../lib/load-definition';

/** The default export of a TypeScript definition file in the tree; throws naming the file when it cannot run. */
export async function evaluateDefinitionFile(tree: Tree, file: string): Promise<unknown> {
  if (!tree.exists(file)) throw new Error(`${file}: does not exist.`);
  const read = (absolute: string) => {
    const path = relative(tree.root, absolute);
    return path.startsWith('..') || !tree.isFile(path) ? null : tree.read(path, 'utf8');
  };
  try {
    return await loadDefinitionModule(join(tree.root, file), read);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    throw new Error(`${file}: ${message.startsWith('is not valid TypeScript') ? message : `failed to load: ${message}`}`);
  }
}
