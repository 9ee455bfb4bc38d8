// docker-push: pushes the release tags of every variant docker-build finished, to one registry, and says exactly what
// it pushed. Checks everything first (build complete and current, engine up, registry reachable with credentials,
// no exact version tag naming another image), decides the whole push from those facts, then performs it: content
// under a staging tag before any release tag, exact tags before moving aliases.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logger, type ExecutorContext } from '@nx/devkit';
import type { DockerPushExecutorOptions } from './schema';
import { formatDryRun, formatPushReport } from './lib/format-report';
import { normalizeOptions, type NormalizedDockerPushOptions } from './lib/normalize-options';
import { decidePush, planPush } from './lib/plan-push';
import { isLoopbackRegistry } from '../../utils/registry-http';
import { applyPush, checkLocalImages, readRemoteStates, type PushReport } from './lib/push-release';
import { checkRegistryAccess } from './lib/registry-access';
import { assertDockerEngine } from '../../utils/docker';
import { readPushInputs, type UpstreamTagFacts } from './lib/read-inputs';
import { applyPromotion, planPromotion, readStagedDigests } from './lib/promote';
import { repositoryInNamespace, upstreamTagsOf } from '@vast/conventions';
import { pushResultFileOf } from '../../lib/build-result';
import { checkMergeSources, planMerge, type MergeStep } from './lib/plan-merge';
import { applyMerge, readMergeTargets, readPlatformManifests } from './lib/merge-platforms';

export interface DockerPushResult {
  success: boolean;
  report?: PushReport;
}

export default async function dockerPushExecutor(options: DockerPushExecutorOptions, context: ExecutorContext): Promise<DockerPushResult> {
  const log = (line: string) => logger.info(line);
  const fail = (lines: string[]) => {
    for (const line of lines) logger.error(line);
    return { success: false };
  };

  const normalized = normalizeOptions(options, context, process.env);
  if (!normalized.ok) return fail([normalized.error]);
  const o = normalized.options;

  const inputs = readPushInputs(o);
  if (inputs.ok === false) return fail([`docker-push ${o.projectName}: refusing to push anything:`, ...inputs.errors]);

  // --namespace: the same images under another namespace (upstream's staging one), e.g. vastaistaging/base-image.
  const inNamespace = (repository: string) => (o.namespace ? repositoryInNamespace(repository, o.namespace) : repository);
  let steps;
  try {
    const extraTags = o.upstreamTags ? upstreamTagsByVariant(inputs.upstream, o.date) : undefined;
    steps =
      inputs.ok === 'manifest-only'
        ? planPush(
            {
              name: o.projectName,
              repository: inNamespace(inputs.manifest.repository),
              version: inputs.manifest.version,
              variants: inputs.manifest.variants.map((v) => ({ key: v.key, buildTag: `(not built: ${v.key})`, imageId: '<image id>' })),
            },
            o.registry,
            extraTags,
          )
        : planPush({ ...inputs.result, repository: inNamespace(inputs.result.repository) }, o.registry, extraTags);
  } catch (error) {
    // Invalid tags (a variant key or version Docker cannot hold) are caught before anything is pushed.
    return fail([`docker-push ${o.projectName}: refusing to push anything: ${error instanceof Error ? error.message : String(error)}`]);
  }

  if (!steps.some((step) => step.role !== 'content')) {
    return fail([
      `docker-push ${o.projectName}: refusing to push anything: this build has --arg overrides, so it is not the release of its version and has no semver tag, and nothing else names it. Build it with --tag <name>, or push with --upstreamTags.`,
    ]);
  }
  // A promotion writes the same release tags, from the content staged (and smoke tested) in the staging registry.
  if (o.promoteFrom) steps = planPromotion(steps, o.registry, o.promoteFrom, o.promoteFromNamespace);
  const version = inputs.ok === 'manifest-only' ? inputs.manifest.version : inputs.result.version;
  if (o.merge && inputs.ok === 'manifest-only') {
    const platformsOf = (key: string) => inputs.manifest.variants.find((v) => v.key === key)?.platforms;
    return mergePlatforms(o, version, planMerge(steps, platformsOf), log, fail);
  }
  if (o.dryRun) {
    for (const line of formatDryRun(o.projectName, version, o.registry, steps, inputs.ok === 'manifest-only' ? inputs.note : undefined))
      log(line);
    return { success: true };
  }
  if (inputs.ok !== true) return fail([`docker-push ${o.projectName}: nothing built to push.`]);

  const refuse = (problems: string[]) => fail([`docker-push ${o.projectName}: refusing to push anything:`, ...problems]);
  try {
    await assertDockerEngine();
  } catch (error) {
    return refuse([error instanceof Error ? error.message : String(error)]);
  }
  const profileOption = o.profile ? ` -c ${o.profile}` : '';
  const rebuild = `Run nx run ${o.projectName}:docker-build${profileOption} again.`;
  // A promotion moves no local image, so only a push needs the built images in the engine.
  const problems = o.promoteFrom ? [] : await checkLocalImages(inputs.result.variants, inputs.buildResultFile, rebuild, log);
  if (problems.length) return refuse(problems);
  const access = await checkRegistryAccess(o.registry);
  if (access.length) return refuse(access);
  let staged = new Map<string, string>();
  if (o.promoteFrom) {
    const stagedIn = o.promoteFromNamespace ? ` --namespace=${o.promoteFromNamespace}` : '';
    const stageHint = `Stage this build first: nx run ${o.projectName}:docker-push --registry=${o.promoteFrom}${stagedIn}${profileOption}, smoke it, then promote.`;
    const read = await readStagedDigests(steps, isLoopbackRegistry(o.promoteFrom), stageHint);
    if (read.problems.length) return refuse(read.problems);
    staged = read.digests;
  }

  const where = [
    `--registry=${o.registry}`,
    ...(o.namespace ? [`--namespace=${o.namespace}`] : []),
    ...(o.promoteFrom ? [`--promoteFrom=${o.promoteFrom}`] : []),
    ...(o.promoteFromNamespace ? [`--promoteFromNamespace=${o.promoteFromNamespace}`] : []),
  ].join(' ');
  const rerun = `run nx run ${o.projectName}:docker-push ${where}${profileOption} again`;
  const states = await readRemoteStates(steps, isLoopbackRegistry(o.registry), log);
  const decision = decidePush(steps, states, rerun);
  if (!decision.ok) return refuse(decision.errors);

  const report = o.promoteFrom ? await applyPromotion(decision.actions, staged, { log }) : await applyPush(decision.actions, { log });
  const lines = formatPushReport(o.projectName, version, o.registry, report, rerun);
  // Kept next to build-result.json so CI can collect the pushed tags (and the digests) of every image.
  const recordFile = join(o.workspaceRoot, pushResultFileOf(o.projectName));
  mkdirSync(dirname(recordFile), { recursive: true });
  writeFileSync(
    recordFile,
    `${JSON.stringify({ name: o.projectName, version, registry: o.registry, ...(o.profile ? { profile: o.profile } : {}), ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.promoteFrom ? { promotedFrom: o.promoteFrom } : {}), ...(o.promoteFromNamespace ? { promotedFromNamespace: o.promoteFromNamespace } : {}), ...report }, null, 2)}\n`,
  );
  if (report.failed) {
    for (const line of lines) logger.error(line);
    return { success: false, report };
  }
  for (const line of lines) log(line);
  return { success: true, report };
}

/** Upstream's tag names of every variant image.json describes (none without image.json). */
function upstreamTagsByVariant(upstream: UpstreamTagFacts | undefined, date: string): Map<string, string[]> {
  return new Map((upstream?.variants ?? []).map((v) => [v.key, upstreamTagsOf(upstream!.scheme, v, date)]));
}

/**
 * docker-push --merge: each release tag of a variant with platforms becomes one manifest list of its `<tag>-<arch>`
 * images. Everything is read and checked first (every source there and of its platform, no exact tag naming
 * something else), then the lists are written, exact tags before aliases, and recorded like a push.
 */
async function mergePlatforms(
  o: NormalizedDockerPushOptions,
  version: string,
  steps: MergeStep[],
  log: (line: string) => void,
  fail: (lines: string[]) => DockerPushResult,
): Promise<DockerPushResult> {
  if (!steps.length) {
    return fail([
      `docker-push ${o.projectName}: --merge: no variant${o.profile ? ` of the ${o.profile} profile` : ''} declares platforms, so there is nothing to merge. Declare them in image.ts (variants[].platforms).`,
    ]);
  }
  if (o.dryRun) {
    for (const line of formatDryRun(o.projectName, version, o.registry, steps)) log(line.replace('would push', 'would merge'));
    return { success: true };
  }
  const refuse = (problems: string[]) => fail([`docker-push ${o.projectName}: refusing to merge anything:`, ...problems]);
  const access = await checkRegistryAccess(o.registry);
  if (access.length) return refuse(access);
  const profileOption = o.profile ? ` -c ${o.profile}` : '';
  const pushHint = `Build and push that platform first: nx run ${o.projectName}:docker-build${profileOption} --platform=<platform>, then nx run ${o.projectName}:docker-push${profileOption} --registry=${o.registry}.`;
  let manifests;
  try {
    manifests = await readPlatformManifests(steps);
  } catch (error) {
    return refuse([error instanceof Error ? error.message : String(error)]);
  }
  const missing = checkMergeSources(steps, manifests, pushHint);
  if (missing.length) return refuse(missing);
  const rerun = `run nx run ${o.projectName}:docker-push --registry=${o.registry} --merge${profileOption} again`;
  const { lists, states } = await readMergeTargets(steps, manifests);
  const decision = decidePush(steps, states, rerun);
  if (!decision.ok) return refuse(decision.errors);
  const report = await applyMerge(decision.actions, lists, { log });
  const lines = formatPushReport(o.projectName, version, o.registry, report, rerun);
  const recordFile = join(o.workspaceRoot, pushResultFileOf(o.projectName));
  mkdirSync(dirname(recordFile), { recursive: true });
  writeFileSync(
    recordFile,
    `${JSON.stringify({ name: o.projectName, version, registry: o.registry, ...(o.profile ? { profile: o.profile } : {}), merged: true, ...report }, null, 2)}\n`,
  );
  if (report.failed) {
    for (const line of lines) logger.error(line);
    return { success: false, report };
  }
  for (const line of lines) log(line);
  return { success: true, report };
}
