// Turns the executor options, the Nx context and the environment into one fully-resolved options object.
import type { ExecutorContext } from '@nx/devkit';
import { DIST_IMAGES } from '../../../lib/assemble-context';
import type { DockerPushExecutorOptions } from '../schema';

export interface NormalizedDockerPushOptions {
  workspaceRoot: string;
  projectName: string;
  /** Workspace-relative, e.g. packages/images/base-image. */
  projectRoot: string;
  /** Workspace-relative dist/images/<name>, the assembled context (image.json) build writes. */
  distDir: string;
  registry: string;
  dryRun: boolean;
  profile?: 'production' | 'local';
}

export type NormalizeResult = { ok: true; options: NormalizedDockerPushOptions } | { ok: false; error: string };

export function normalizeOptions(
  options: DockerPushExecutorOptions,
  context: Pick<ExecutorContext, 'root' | 'projectName' | 'projectsConfigurations'>,
  env: Record<string, string | undefined>,
): NormalizeResult {
  const projectName = context.projectName;
  if (!projectName) return { ok: false, error: 'docker-push: no project in the Nx context. Run it as nx run <image>:docker-push.' };
  const projectRoot = context.projectsConfigurations?.projects[projectName]?.root ?? `packages/images/${projectName}`;
  const registry = (options.registry ?? env.VAST_REGISTRY ?? '').trim();
  const dryRun = options.dryRun === true || env.NX_DRY_RUN === 'true';
  if (!registry) {
    return {
      ok: false,
      error: `docker-push ${projectName}: no registry to push to. Pass --registry=<host[:port]> (e.g. 127.0.0.1:5000 or docker.io) or set VAST_REGISTRY.`,
    };
  }
  return {
    ok: true,
    options: {
      workspaceRoot: context.root,
      projectName,
      projectRoot,
      distDir: `${DIST_IMAGES}/${projectName}`,
      registry,
      dryRun,
      ...(options.profile ? { profile: options.profile } : {}),
    },
  };
}
