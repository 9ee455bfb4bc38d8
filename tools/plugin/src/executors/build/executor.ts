// build: assembles dist/images/<project>/ from image.ts (validated), the ROOT/ overlay and artifacts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import { errorsForChain, refreshReadmeGeneratedPart, renderReadmeGeneratedPart, type ResolvedImage } from '@vast/conventions';
import { formatChainErrors } from '../../lib/report-errors';
import { assembleContext } from '../../lib/assemble-context';
import { readImageChain } from '../../lib/workspace-images';
import type { BuildExecutorOptions } from './schema';

/**
 * Rewrites the generated part of the project's README.md (between its markers; a README without them is the
 * author's alone). The build does it, not lint, so the part can never be stale after any build: README.md is not a
 * build input (nx.json production), so this write does not invalidate the cache, and every change to the
 * definition runs the build. Returns whether the file changed.
 */
function refreshReadme(workspaceRoot: string, image: ResolvedImage): boolean {
  const file = join(workspaceRoot, dirname(image.file), 'README.md');
  if (!existsSync(file)) return false;
  const current = readFileSync(file, 'utf8');
  const next = refreshReadmeGeneratedPart(current, renderReadmeGeneratedPart(image));
  if (next === undefined || next === current) return false;
  writeFileSync(file, next);
  return true;
}

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
    logger.log(
      `${name}: wrote ${result.files.length} files to dist/images/${name} (context ${result.manifest.contextHash.slice(0, 12)}, ${result.manifest.variants.length} variants)`,
    );
    if (refreshReadme(context.root, image))
      logger.log(`${name}: refreshed the generated part of ${dirname(image.file)}/README.md from image.ts`);
    return { success: true };
  } catch (e) {
    logger.error((e as Error).message);
    return { success: false };
  }
}
