// build: assembles dist/images/<project>/ from image.ts (validated), the ROOT/ overlay and artifacts.
import type { ExecutorContext } from '@nx/devkit';
import { formatChainErrors } from '../../lib/report-errors';
import { assembleContext } from '../../lib/assemble-context';
import { readImageChain, errorsForChain, imageFileOf } from '../../lib/workspace-images';
import type { BuildExecutorOptions } from './schema';

export default async function buildExecutor(_options: BuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName as string;
  const workspace = await readImageChain(context.root, name);
  const errors = errorsForChain(workspace, name, imageFileOf);
  const image = workspace.images.get(name);
  if (errors.length || !image) {
    console.error(formatChainErrors(name, errors));
    return { success: false };
  }
  try {
    const result = assembleContext(context.root, image);
    console.log(`${name}: wrote ${result.files.length} files to dist/images/${name} (context ${result.manifest.contextHash.slice(0, 12)}, ${result.manifest.variants.length} variants)`);
    return { success: true };
  } catch (e) {
    console.error((e as Error).message);
    return { success: false };
  }
}
