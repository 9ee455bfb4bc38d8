// docker-build: builds this image's selected variants, content-addressed, after its parents (Nx runs ^docker-build first).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import {
  formatDockerCommand,
  isPlatform,
  planDockerBuilds,
  PlanError,
  UPSTREAM_PLATFORMS,
  walkFrom,
  type ImageManifest,
  type Platform,
  type PlannedBuild,
} from '@vast/conventions';
import { DIST_IMAGES, readManifest } from '../../lib/assemble-context';
import { imageProjectDirs } from '../../lib/workspace-images';
import { buildResultFileOf, type BuildResult } from '../../lib/build-result';
import { assertDockerEngine, DockerError, imageId, imageIds, pullAs, tagImage, cachedManifest } from '../../utils/docker';
import {
  cacheRefOf,
  parseArgOverrides,
  planVariant,
  type ParentRef,
  type VariantAction,
  type VariantFacts,
  type VariantPlanOptions,
} from './lib/plan-variant';
import { dockerBuild, pushAs, pruneBuildTags } from './lib/engine';
import { materialize } from '../../lib/materialize';
import { localFromIds, registryFromDigests } from './lib/from-images';
import { namedOnItsOwn } from './lib/family-run';
import type { DockerBuildExecutorOptions } from './schema';

export function readManifests(workspaceRoot: string): Map<string, ImageManifest> {
  const manifests = new Map<string, ImageManifest>();
  for (const name of imageProjectDirs(workspaceRoot)) {
    const manifest = readManifest(workspaceRoot, name);
    if (manifest) manifests.set(name, manifest);
  }
  return manifests;
}

/** Where a task's lines go: Nx's logger when it runs alone, the task's own terminal output in a batch. */
export interface TaskLog {
  log(line: string): void;
  error(line: string): void;
}

const nxLog: TaskLog = { log: (line) => logger.log(line), error: (line) => logger.error(line) };

/** How a task learns what the engine and the cache registry hold (a batch asks once for all its tasks). */
export interface Lookups {
  /** `platforms`: the local roots to look up (docker-build --platform); undefined is the engine's own. */
  fromImageIds(
    chain: ImageManifest[],
    profile: 'production' | 'local',
    warn: (line: string) => void,
    platforms?: ReadonlyArray<Platform | undefined>,
  ): Promise<Record<string, string>>;
  facts(build: PlannedBuild, options: VariantPlanOptions): Promise<VariantFacts>;
}

export const directLookups: Lookups = {
  fromImageIds: (chain, profile, warn, platforms) =>
    profile === 'local' ? localFromIds(chain, platforms) : registryFromDigests(chain, warn),
  facts: gatherFacts,
};

/** A task whose plan is made and whose variants are still to be built or found. */
export interface PlannedTask {
  name: string;
  plan: PlannedBuild[];
  planOptions: VariantPlanOptions;
  prune?: number;
  root: string;
  result: Omit<Required<BuildResult>, 'overrides'> & Pick<BuildResult, 'overrides'>;
}

export default async function dockerBuildExecutor(
  options: DockerBuildExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const prepared = await prepareDockerBuild(options, context, nxLog, directLookups);
  if ('done' in prepared) return prepared.done;
  return finishDockerBuild(prepared.task, nxLog, directLookups);
}

/** Reads the manifests and plans the task's builds; `done` when nothing is left to do (skipped, dry run, or failed). */
export async function prepareDockerBuild(
  options: DockerBuildExecutorOptions,
  context: ExecutorContext,
  out: TaskLog,
  lookups: Lookups,
  manifests: Map<string, ImageManifest> = readManifests(context.root),
): Promise<{ done: { success: boolean } } | { task: PlannedTask }> {
  const name = context.projectName as string;
  const profile = options.profile ?? 'production';
  const dryRun = options.dryRun === true || process.env.NX_DRY_RUN === 'true';
  // Content-tagged builds shared through a registry: a fresh runner finds what another already built.
  const cacheRegistry = options.cacheRegistry || process.env.VAST_CACHE_REGISTRY || undefined;
  const contextDir = (image: string) => `${DIST_IMAGES}/${image}`;
  // A family run (run-many, affected) builds what the profile can and names the rest; an image named alone still fails.
  const own = manifests.get(name);
  if (own && !own.variants.some((v) => v.local === (profile === 'local')) && !namedOnItsOwn(context)) {
    out.log(`skipped: ${name} has no ${profile} variant`);
    return { done: { success: true } };
  }

  try {
    // FROM images enter the hash by content (image id here, registry digests in production): tags move.
    const chain = chainOf(manifests, name);
    const platforms = rootPlatformsOf(options.platform);
    const fromImageIds = dryRun
      ? {}
      : await lookups.fromImageIds(chain, profile, (line) => out.log(`${name}: warning: ${line}`), platforms);
    const parsed = parseArgOverrides(options.arg);
    if (!parsed.ok) throw new PlanError(parsed.error);
    const overrides = parsed.overrides;
    const extraTags = options.tag === undefined ? [] : Array.isArray(options.tag) ? options.tag : [options.tag];
    const plan = planDockerBuilds(manifests, name, {
      profile,
      variants: options.variants,
      contextDir,
      fromImageIds,
      onlyTarget: true,
      overrides,
      extraTags,
      ...(options.platform ? { platform: options.platform } : {}),
    });
    const overridden = Object.entries(overrides).map(([k, v]) => `${k}=${v}`);
    if (overridden.length)
      out.log(
        `# manual build: --arg ${overridden.join(' --arg ')} (in the content hash; no version tag, this is not the ${manifests.get(name)!.version} release)`,
      );

    if (dryRun) {
      if (profile === 'production' && chain.some((m) => m.variants.some((v) => !v.local && (v.from || v.upstream)))) {
        out.log(
          '# dry run: no registry is asked, so these build tags hash the FROM images by name; a real run hashes them by the digests their registries serve, and its tags differ',
        );
      }
      for (const build of plan)
        out.log(
          `# ${build.image}:${build.variant}${build.platform ? ` ${build.platform}` : ''} (${profile}) -> ${build.buildTag}\n${formatDockerCommand(build.argv)}`,
        );
      if (options.prune) out.log(`# then --prune=${options.prune}: keep the last ${options.prune} build-* tags of each variant above`);
      return { done: { success: true } };
    }

    return {
      task: {
        name,
        plan,
        planOptions: { cacheRegistry, force: options.force === true, pull: options.pull === true },
        prune: options.prune,
        root: context.root,
        result: {
          name,
          repository: manifests.get(name)!.repository,
          version: manifests.get(name)!.version,
          profile,
          ...(overridden.length ? { overrides } : {}),
          variants: [],
        },
      },
    };
  } catch (e) {
    return { done: { success: failed(name, e, out) } };
  }
}

/** Builds, finds or pulls each planned variant, prunes if asked, and writes build-result.json. */
export async function finishDockerBuild(task: PlannedTask, out: TaskLog, lookups: Lookups): Promise<{ success: boolean }> {
  const { name, plan, planOptions, result } = task;
  try {
    for (const [i, build] of plan.entries()) {
      const label = `[${i + 1}/${plan.length}] ${build.image}:${build.variant}`;
      const actions = planVariant(build, await lookups.facts(build, planOptions), planOptions);
      result.variants.push({
        key: build.variant,
        ...(build.platform ? { platform: build.platform } : {}),
        buildTag: build.buildTag,
        ...(build.versionTag !== build.buildTag ? { versionTag: build.versionTag } : {}),
        ...(build.extraTags.length ? { extraTags: build.extraTags } : {}),
        ...(await applyActions(label, build, actions, out)),
      });
    }
    if (task.prune) {
      const thisRun = new Set(plan.map((b) => b.buildTag));
      for (const build of plan) {
        const untagged = await pruneBuildTags(result.repository, build.image, build.variant, task.prune, thisRun, (line) =>
          out.log(`${build.image}:${build.variant}: warning: ${line}`),
        );
        out.log(
          `${build.image}:${build.variant}: --prune=${task.prune}: ${untagged.length ? `untagged ${untagged.join(', ')}` : 'nothing older to untag'}`,
        );
      }
    }
    // Written only when every selected variant built: docker-push reads it and refuses anything partial.
    const resultFile = join(task.root, buildResultFileOf(name));
    mkdirSync(dirname(resultFile), { recursive: true });
    writeFileSync(resultFile, JSON.stringify(result, null, 2) + '\n');
    return { success: true };
  } catch (e) {
    return { success: failed(name, e, out) };
  }
}

/** A plan or engine failure is the task's failure, said in one line; anything else is a bug and propagates. */
function failed(name: string, e: unknown, out: TaskLog): false {
  if (e instanceof PlanError || e instanceof DockerError) {
    out.error(`${name}:docker-build: ${e.message}`);
    return false;
  }
  throw e;
}

/** The platforms whose FROM images a run needs: the one chosen, every one for `all`, or the engine's own. */
const rootPlatformsOf = (chosen: string | undefined): Array<Platform | undefined> =>
  chosen === undefined ? [undefined] : chosen === 'all' ? [...UPSTREAM_PLATFORMS] : isPlatform(chosen) ? [chosen] : [];

/** The target's manifest and its ancestors' (the only images whose FROM matters to this build). */
const chainOf = (manifests: Map<string, ImageManifest>, name: string) =>
  walkFrom(
    name,
    (n) => manifests.get(n),
    (m) => m.parent,
  ).chain;

/** Pushes a build to the cache registry. A cache that cannot take it costs a warning, never the build. */
async function shareBuild(label: string, buildTag: string, cacheRef: string, out: TaskLog): Promise<void> {
  const failure = await pushAs(buildTag, cacheRef);
  out.log(failure ? `${label}: warning: could not push ${cacheRef} to the cache registry (${failure})` : `${label}: shared as ${cacheRef}`);
}

/** What the engine and the cache registry hold for this variant: the facts planVariant decides on. */
export async function gatherFacts(build: PlannedBuild, options: VariantPlanOptions): Promise<VariantFacts> {
  if (options.force) return { engine: {} };
  const [buildTagId, versionTagId] = await imageIds(build.buildTag, build.versionTag);
  const cacheRef = cacheRefOf(options.cacheRegistry, build.buildTag);
  return { engine: { buildTagId, versionTagId }, cached: cacheRef ? await cachedManifest(cacheRef) : undefined };
}

/** Performs a variant's actions in order; returns the image id it ends with (and the cacheRef when left in the registry). */
async function applyActions(
  label: string,
  build: PlannedBuild,
  actions: VariantAction[],
  out: TaskLog,
): Promise<{ imageId: string; cacheRef?: string }> {
  let id: string | undefined;
  for (const action of actions) {
    switch (action.kind) {
      case 'skip':
        out.log(`${label}: up to date (${action.buildTag} exists), skipped`);
        id = action.imageId;
        break;
      case 'use-cached':
        out.log(
          `${label}: up to date in the cache registry (${action.cacheRef}), skipped; not pulled (smoke and docker-push pull it when they need it, --pull pulls it now)`,
        );
        return { imageId: action.imageId, cacheRef: action.cacheRef };
      case 'pull-cached':
        if ((await pullAs(action.cacheRef, action.buildTag)) && (id = await imageId(action.buildTag))) {
          out.log(`${label}: pulled ${action.cacheRef} (built before, elsewhere), skipped the build`);
          for (const target of action.tags) await tagImage(action.buildTag, target);
          return { imageId: id };
        }
        break;
      case 'pull-parent':
        await ensureParent(build, action.parent, out);
        break;
      case 'build': {
        const started = Date.now();
        await assertDockerEngine();
        out.log(`${label}: building ${action.buildTag}\n${formatDockerCommand(action.argv)}`);
        await dockerBuild(action.argv);
        id = await imageId(action.buildTag);
        if (!id) throw new DockerError(`${label}: docker build succeeded but ${action.buildTag} is not in the engine.`);
        out.log(`${label}: built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        break;
      }
      case 'tag':
        await tagImage(action.source, action.target);
        break;
      case 'share':
        await shareBuild(label, action.buildTag, action.cacheRef, out);
        break;
    }
  }
  if (!id) throw new DockerError(`${label}: no image was built or found for ${build.buildTag}.`);
  return { imageId: id };
}

/** The parent must be in this engine to build FROM it: pulled from the cache registry if it was left there. */
async function ensureParent(build: PlannedBuild, parent: ParentRef, out: TaskLog): Promise<void> {
  if (await materialize(parent, (line) => out.log(line))) return;
  throw new DockerError(
    `${build.image}:${build.variant} builds FROM ${parent.buildTag} (${parent.key}), which is not built. Run nx run ${parent.image}:docker-build${build.profile === 'local' ? ' -c local' : ''} (or drop --excludeTaskDependencies).`,
  );
}
