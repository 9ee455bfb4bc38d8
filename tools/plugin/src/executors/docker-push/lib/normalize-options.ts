// Turns the executor options, the Nx context and the environment into one fully-resolved options object.
import type { ExecutorContext } from '@nx/devkit';
import { TAG_DATE, validateNamespace } from '@vast/conventions';
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
  /** Push upstream's tag names too (image.ts upstreamTags), dated `date`. */
  upstreamTags: boolean;
  /** UTC YYYY-MM-DD of upstream's dated tags. */
  date: string;
  /** Promote: the staging registry (host[:port][/path]) whose staged content the release tags get, by digest. */
  promoteFrom?: string;
  /** Join each release tag's `-<arch>` images (one-platform pushes) into one manifest list under the tag. */
  merge: boolean;
  /** `--variants`: push (or merge) only these variant keys. */
  variants?: string[];
  /** Push into this namespace instead of image.ts's (upstream's staging namespace). */
  namespace?: string;
  /** The namespace the promoted content was staged in (with promoteFrom). */
  promoteFromNamespace?: string;
}

export type NormalizeResult = { ok: true; options: NormalizedDockerPushOptions } | { ok: false; error: string };

export function normalizeOptions(
  options: DockerPushExecutorOptions,
  context: Pick<ExecutorContext, 'root' | 'projectName' | 'projectsConfigurations'>,
  env: Record<string, string | undefined>,
  /** The clock, read here and nowhere further in: upstream's dated tags carry the day of the push. */
  now: Date = new Date(),
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
  if (options.merge && options.promoteFrom) {
    return {
      ok: false,
      error: `docker-push ${projectName}: --merge and --promoteFrom are separate steps. Merge the platforms in staging first, then promote the merged tags.`,
    };
  }
  const date = options.date ?? env.VAST_RELEASE_DATE ?? now.toISOString().slice(0, 10);
  if (!TAG_DATE.test(date)) {
    return { ok: false, error: `docker-push ${projectName}: --date '${date}' is not a UTC day. Pass YYYY-MM-DD (date -u +%Y-%m-%d).` };
  }
  for (const [option, value] of [
    ['--namespace', options.namespace],
    ['--promoteFromNamespace', options.promoteFromNamespace],
  ] as const) {
    const problem = value === undefined ? undefined : validateNamespace(value.trim());
    if (problem)
      return { ok: false, error: `docker-push ${projectName}: ${option}: ${problem} Pass the namespace alone, without the registry.` };
  }
  if (options.promoteFromNamespace?.trim() && !options.promoteFrom?.trim()) {
    return {
      ok: false,
      error: `docker-push ${projectName}: --promoteFromNamespace says where --promoteFrom's content is staged; pass --promoteFrom=<staging registry> with it.`,
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
      upstreamTags: options.upstreamTags ?? env.VAST_UPSTREAM_TAGS === 'true',
      date,
      ...(options.promoteFrom?.trim() ? { promoteFrom: options.promoteFrom.trim() } : {}),
      merge: options.merge === true,
      ...(options.variants?.length ? { variants: options.variants } : {}),
      ...(options.namespace?.trim() ? { namespace: options.namespace.trim() } : {}),
      ...(options.promoteFromNamespace?.trim() ? { promoteFromNamespace: options.promoteFromNamespace.trim() } : {}),
    },
  };
}
