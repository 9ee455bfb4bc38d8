// Evaluates an image.ts or provisioning.ts held in the generator's Tree (which may exist only in memory):
// esbuild strips the types, and @vast/conventions is bound to the module this plugin already loaded.
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import type { Tree } from '@nx/devkit';
import { runDefinitionCode } from '../../lib/load-definition';

/** The default export of a TypeScript definition file in the tree; throws naming the file when it cannot run. */
export function evaluateDefinitionFile(tree: Tree, file: string): unknown {
  const source = tree.read(file, 'utf8');
  if (source === null) throw new Error(`${file}: does not exist.`);
  let code: string;
  try {
    code = transformSync(source, { loader: 'ts', format: 'cjs', sourcefile: file, target: 'node20' }).code;
  } catch (e) {
    throw new Error(`${file}: is not valid TypeScript: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return runDefinitionCode(code, join(tree.root, file));
  } catch (e) {
    throw new Error(`${file}: failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
}
