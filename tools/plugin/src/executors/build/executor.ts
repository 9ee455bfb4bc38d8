// build: assembles dist/images/<project>/ from image.ts (validated), the ROOT/ overlay and artifacts.
import { logger, type ExecutorContext } from '@nx/devkit';
import { errorsForChain } from '@vast/conventions';
import { formatChainErrors } from '../../lib/report-errors';
import { assembleContext } from '../../lib/assemble-context';
import { readImageChain } from '../../lib/workspace-images';
import type { BuildExecutorOptions } from './schema';

export default async function buildExecutor(_options: BuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName as string;
  const workspace = await readImageChain(context.root, name);
  const errors = errorsForChain(workspace, name);
  const image = workspace.images.get(name);
  if (errors.length || !image) {
    logger.error(formatChainErrors(name, errors));
    return { success: false };
  }
  try {
    const result = assembleContext(context.root, image);
    logger.log(`${name}: wrote ${result.files.length} files to dist/images/${name} (context ${result.manifest.contextHash.slice(0, 12)}, ${result.manifest.variants.length} variants)`);
    return { success: true };
  } catch (e) {
    logger.error((e as Error).message);
    return { success: false };
  }
}
