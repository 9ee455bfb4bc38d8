// smoke: boots a built image with a PORTAL_CONFIG and checks the runtime contract, printing each check and its result.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import { assertDockerEngine, DockerError } from '../../utils/docker';
import { materialize } from '../../lib/materialize';
import { buildResultFileOf } from '../../lib/build-result';
import { normalizeSmokeOptions } from './lib/normalize-options';
import { runSmoke } from './lib/smoke';
import { selectChecks } from './lib/smoke-config';
import type { SmokeExecutorOptions } from './schema';

const readJson = (path: string): unknown => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined);

export default async function smokeExecutor(options: SmokeExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const projectName = context.projectName as string;
  const buildResultFile = buildResultFileOf(projectName);
  const normalized = normalizeSmokeOptions(options, {
    projectName,
    buildResultFile,
    buildResult: readJson(join(context.root, buildResultFile)),
    readScript: (path) => {
      const full = join(context.root, path);
      return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
    },
    randomToken: () => randomBytes(16).toString('hex'),
    env: process.env,
  });
  if (!normalized.ok) {
    logger.error(`${projectName}:smoke: ${normalized.error}`);
    return { success: false };
  }
  const opts = normalized.options;

  if (opts.dryRun) {
    const { checks, excluded } = selectChecks(projectName);
    logger.log(`${projectName}:smoke would boot ${opts.image} with PORTAL_CONFIG=${opts.portalConfig} and run:`);
    for (const check of checks) logger.log(`  ${check.id.padEnd(28)} ${check.description}`);
    for (const e of excluded) logger.log(`  (excluded) ${e.check}: ${e.reason}`);
    return { success: true };
  }

  try {
    await assertDockerEngine();
    if (opts.built && !(await materialize(opts.built, (line) => logger.log(`${projectName}:smoke: ${line}`)))) {
      logger.error(
        `${projectName}:smoke: ${opts.image} is neither in the engine nor pullable from ${opts.built.cacheRef}. Build it: nx run ${projectName}:docker-build${opts.profile === 'local' ? ' -c local' : ''}`,
      );
      return { success: false };
    }
    const result = await runSmoke({
      image: opts.image,
      imageName: projectName,
      portalConfig: opts.portalConfig,
      token: opts.token,
      provisioning: opts.provisioning,
      namePrefix: `vast-smoke-${projectName}`,
      timeoutSeconds: opts.timeoutSeconds,
    });
    if (!result.ok) logger.error(`${projectName}:smoke: some checks failed (see FAIL lines above).`);
    return { success: result.ok };
  } catch (e) {
    if (e instanceof DockerError) {
      logger.error(`${projectName}:smoke: ${e.message}`);
      return { success: false };
    }
    throw e;
  }
}
