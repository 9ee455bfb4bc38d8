// docker-build: builds this image's selected variants, content-addressed, after its parents (Nx runs ^docker-build first).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { formatDockerCommand, planDockerBuilds, PlanError, type ImageManifest, type PlannedBuild } from '@vast/conventions';
import { DIST_IMAGES, readManifest } from '../../lib/assemble-context';
import { imageProjectDirs } from '../../lib/workspace-images';
import { buildResultFileOf, type BuildResult } from '../../lib/build-result';
import { assertDockerEngine, DockerError, imageId, imageIds, pullAs, remoteManifest, tagImage } from '../../utils/docker';
import { dockerBuild, pushAs } from './lib/engine';
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

export default async function dockerBuildExecutor(options: DockerBuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const name = context.projectName as string;
  const profile = options.profile ?? 'production';
  const dryRun = options.dryRun === true || process.env.NX_DRY_RUN === 'true';
  // Content-tagged builds shared through a registry: a fresh runner finds what another already built.
  const cacheRegistry = options.cacheRegistry || process.env.VAST_CACHE_REGISTRY || undefined;
  const manifests = readManifests(context.root);
  const contextDir = (image: string) => `${DIST_IMAGES}/${image}`;
  // A family run (run-many, affected) builds what the profile can and names the rest; an image named alone still fails.
  const own = manifests.get(name);
  if (own && !own.variants.some((v) => v.local === (profile === 'local')) && !namedOnItsOwn(context)) {
    console.log(`skipped: ${name} has no ${profile} variant`);
    return { success: true };
  }

  try {
    // FROM images enter the hash by content (image id here, registry digests in production): tags move.
    const chain = chainOf(manifests, name);
    const fromImageIds = dryRun ? {} : profile === 'local' ? await localFromIds(chain) : await registryFromDigests(chain, (line) => console.log(`${name}: warning: ${line}`));
    const plan = planDockerBuilds(manifests, name, { profile, variants: options.variants, contextDir, fromImageIds, onlyTarget: true });

    if (dryRun) {
      if (profile === 'production' && chain.some((m) => m.variants.some((v) => !v.local && (v.from || v.upstream)))) {
        console.log('# dry run: no registry is asked, so these build tags hash the FROM images by name; a real run hashes them by the digests their registries serve, and its tags differ');
      }
      for (const build of plan) console.log(`# ${build.image}:${build.variant} (${profile}) -> ${build.buildTag}\n${formatDockerCommand(build.argv)}`);
      return { success: true };
    }

    const result: Required<BuildResult> = { name, repository: manifests.get(name)!.repository, version: manifests.get(name)!.version, profile, variants: [] };
    for (const [i, build] of plan.entries()) {
      const label = `[${i + 1}/${plan.length}] ${build.image}:${build.variant}`;
      const started = Date.now();
      const cacheRef = cacheRegistry ? `${cacheRegistry}/${build.buildTag}` : undefined;
      let [id, tagged] = options.force ? [undefined, undefined] : await imageIds(build.buildTag, build.versionTag);
      if (id) {
        console.log(`${label}: up to date (${build.buildTag} exists), skipped`);
        if (tagged !== id) await tagImage(build.buildTag, build.versionTag);
        if (cacheRef && !(await remoteManifest(cacheRef))) await shareBuild(label, build.buildTag, cacheRef);
        result.variants.push({ key: build.variant, buildTag: build.buildTag, versionTag: build.versionTag, imageId: id });
        continue;
      }
      // Built before, elsewhere: one manifest lookup proves it. Its layers move only when something here needs them
      // (a child building FROM it, smoke, docker-push, or --pull), so an unchanged image costs no download.
      const remote = cacheRef && !options.force ? await remoteManifest(cacheRef) : undefined;
      if (cacheRef && remote?.configDigest && !options.pull) {
        console.log(`${label}: up to date in the cache registry (${cacheRef}), skipped; not pulled (smoke and docker-push pull it when they need it, --pull pulls it now)`);
        result.variants.push({ key: build.variant, buildTag: build.buildTag, versionTag: build.versionTag, imageId: remote.configDigest, cacheRef });
        continue;
      }
      if (cacheRef && remote && (await pullAs(cacheRef, build.buildTag))) {
        id = await imageId(build.buildTag);
        if (id) {
          console.log(`${label}: pulled ${cacheRef} (built before, elsewhere), skipped the build`);
          await tagImage(build.buildTag, build.versionTag);
        }
      }
      if (!id) {
        await ensureParent(build, cacheRegistry);
        await assertDockerEngine();
        console.log(`${label}: building ${build.buildTag}\n${formatDockerCommand(build.argv)}`);
        await dockerBuild(build.argv);
        id = await imageId(build.buildTag);
        if (!id) throw new DockerError(`${label}: docker build succeeded but ${build.buildTag} is not in the engine.`);
        console.log(`${label}: built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        await tagImage(build.buildTag, build.versionTag);
        if (cacheRef) await shareBuild(label, build.buildTag, cacheRef);
      }
      result.variants.push({ key: build.variant, buildTag: build.buildTag, versionTag: build.versionTag, imageId: id });
    }
    // Written only when every selected variant built: docker-push reads it and refuses anything partial.
    const resultFile = join(context.root, buildResultFileOf(name));
    mkdirSync(dirname(resultFile), { recursive: true });
    writeFileSync(resultFile, JSON.stringify(result, null, 2) + '\n');
    return { success: true };
  } catch (e) {
    if (e instanceof PlanError || e instanceof DockerError) {
      console.error(`${name}:docker-build: ${e.message}`);
      return { success: false };
    }
    throw e;
  }
}

/** The target's manifest and its ancestors' (the only images whose FROM matters to this build). */
function chainOf(manifests: Map<string, ImageManifest>, name: string): ImageManifest[] {
  const chain: ImageManifest[] = [];
  for (let m = manifests.get(name); m && !chain.includes(m); m = m.parent ? manifests.get(m.parent) : undefined) chain.push(m);
  return chain;
}

/** Pushes a build to the cache registry. A cache that cannot take it costs a warning, never the build. */
async function shareBuild(label: string, buildTag: string, cacheRef: string): Promise<void> {
  const failure = await pushAs(buildTag, cacheRef);
  console.log(failure ? `${label}: warning: could not push ${cacheRef} to the cache registry (${failure})` : `${label}: shared as ${cacheRef}`);
}

/** The parent must be in this engine to build FROM it: pulled from the cache registry if it was left there. */
async function ensureParent(build: PlannedBuild, cacheRegistry: string | undefined): Promise<void> {
  if (!build.parent) return;
  const parent = { key: `${build.parent.image}:${build.parent.variant}`, buildTag: build.parent.buildTag, cacheRef: cacheRegistry ? `${cacheRegistry}/${build.parent.buildTag}` : undefined };
  if (await materialize(parent, (line) => console.log(line))) return;
  throw new DockerError(
    `${build.image}:${build.variant} builds FROM ${build.parent.buildTag} (${build.parent.image}:${build.parent.variant}), which is not built. Run nx run ${build.parent.image}:docker-build${build.profile === 'local' ? ' -c local' : ''} (or drop --excludeTaskDependencies).`,
  );
}
