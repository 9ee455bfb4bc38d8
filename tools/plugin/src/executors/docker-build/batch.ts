// docker-build's batch implementation (executors.json batchImplementation + preferBatch): Nx hands every docker-build
// task of a run to one process, so a family that changed nothing costs one task process, one engine lookup and a
// bounded set of concurrent registry lookups, instead of a process per image each asking on its own.
import { readFileSync } from 'node:fs';
import type { ExecutorContext, TaskGraph, TaskGraphExecutor } from '@nx/devkit';
import type { ImageManifest, PlannedBuild } from '@vast/conventions';
import { cachedManifest, imageIds } from '../../utils/docker';
import { mapLimit } from '../../utils/map-limit';
import {
  directLookups,
  finishDockerBuild,
  gatherFacts,
  prepareDockerBuild,
  readManifests,
  type Lookups,
  type PlannedTask,
  type TaskLog,
} from './executor';
import { cacheRefOf, type VariantFacts, type VariantPlanOptions } from './lib/plan-variant';
import { nxParallel, runParentsFirst } from './lib/schedule';
import type { DockerBuildExecutorOptions } from './schema';

/** Registry lookups in flight at once: enough to hide a registry's latency, few enough not to flood it or this machine. */
export const REGISTRY_LOOKUPS = 8;

type TaskResult = { success: boolean; terminalOutput: string; startTime: number; endTime: number; status?: 'skipped' };

const dockerBuildBatch: TaskGraphExecutor<DockerBuildExecutorOptions> = async (taskGraph, inputs, _overrides, context) =>
  runBatch(taskGraph, inputs, context);
export default dockerBuildBatch;

/** The batch's tasks, parents before children (a task's dependencies outside the batch have already completed). */
export function parentsFirst(taskGraph: Pick<TaskGraph, 'tasks' | 'dependencies'>): string[] {
  const ids = Object.keys(taskGraph.tasks);
  const inBatch = new Set(ids);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const ready = ids.filter((id) => !done.has(id) && (taskGraph.dependencies[id] ?? []).every((d) => !inBatch.has(d) || done.has(d)));
    if (ready.length === 0)
      throw new Error(`docker-build batch: the task graph has a cycle among ${ids.filter((id) => !done.has(id)).join(', ')}`);
    for (const id of ready) {
      done.add(id);
      order.push(id);
    }
  }
  return order;
}

/** Lines captured for one task: Nx prints them as that task's output. */
function capture(): TaskLog & { text: () => string } {
  const lines: string[] = [];
  return {
    log: (line) => void lines.push(line),
    error: (line) => void lines.push(line),
    text: () => (lines.length ? `${lines.join('\n')}\n` : ''),
  };
}

/** FROM-image lookups asked once per image for the whole batch (200 derivatives share one base's FROM). */
function sharedFromLookups(): Lookups['fromImageIds'] {
  const memo = new Map<string, Promise<Record<string, string>>>();
  return async (chain, profile, warn, platforms) => {
    const each = chain.map((manifest: ImageManifest) => {
      const key = `${profile}\0${manifest.name}\0${platforms?.join(',') ?? ''}`;
      if (!memo.has(key)) memo.set(key, directLookups.fromImageIds([manifest], profile, warn, platforms));
      return memo.get(key)!;
    });
    return Object.assign({}, ...(await Promise.all(each)));
  };
}

/**
 * What the engine and the cache registry hold for every planned variant of the batch: one `docker image inspect` for
 * all the engine's tags, and each cache registry reference asked once, at most REGISTRY_LOOKUPS at a time.
 */
export async function prefetchFacts(
  tasks: Array<Pick<PlannedTask, 'plan' | 'planOptions'>>,
  limit = REGISTRY_LOOKUPS,
): Promise<(build: PlannedBuild, options: VariantPlanOptions) => Promise<VariantFacts>> {
  const asked = tasks.filter((t) => !t.planOptions.force);
  const refs = [...new Set(asked.flatMap((t) => t.plan.flatMap((b) => [b.buildTag, b.versionTag])))];
  const ids = new Map<string, string | undefined>();
  if (refs.length) (await imageIds(...refs)).forEach((id, i) => ids.set(refs[i], id));
  const cacheRefs = [
    ...new Set(
      asked.flatMap((t) => t.plan.map((b) => cacheRefOf(t.planOptions.cacheRegistry, b.buildTag)).filter((r): r is string => !!r)),
    ),
  ];
  const manifests = new Map(cacheRefs.map((ref, i) => [ref, i] as const));
  const found = await mapLimit(cacheRefs, limit, (ref) => cachedManifest(ref));
  return async (build, options) => {
    if (options.force) return gatherFacts(build, options);
    const cacheRef = cacheRefOf(options.cacheRegistry, build.buildTag);
    return {
      engine: { buildTagId: ids.get(build.buildTag), versionTagId: ids.get(build.versionTag) },
      cached: cacheRef ? found[manifests.get(cacheRef)!] : undefined,
    };
  };
}

async function* runBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, DockerBuildExecutorOptions>,
  context: ExecutorContext,
): AsyncIterableIterator<{ task: string; result: TaskResult }> {
  const manifests = readManifests(context.root);
  const order = parentsFirst(taskGraph);
  const fromImageIds = sharedFromLookups();
  const planned = new Map<string, { task: PlannedTask; out: ReturnType<typeof capture>; startTime: number }>();
  const failed = new Set<string>();
  const result = (id: string, success: boolean, out: ReturnType<typeof capture>, startTime: number) => {
    if (!success) failed.add(id);
    return { task: id, result: { success, terminalOutput: out.text(), startTime, endTime: Date.now() } };
  };

  // Plans first, for every task: a build tag is a content hash, known before any parent is built.
  for (const id of order) {
    const task = taskGraph.tasks[id];
    const taskContext: ExecutorContext = {
      ...context,
      projectName: task.target.project,
      targetName: task.target.target,
      configurationName: task.target.configuration,
    };
    const out = capture();
    const startTime = Date.now();
    try {
      const prepared = await prepareDockerBuild(inputs[id], taskContext, out, { ...directLookups, fromImageIds }, manifests);
      if ('done' in prepared) yield result(id, prepared.done.success, out, startTime);
      else planned.set(id, { task: prepared.task, out, startTime });
    } catch (e) {
      out.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      yield result(id, false, out, startTime);
    }
  }

  const facts = await prefetchFacts([...planned.values()].map((p) => p.task));
  const finish = async (id: string): Promise<{ task: string; result: TaskResult }> => {
    const { task, out, startTime } = planned.get(id)!;
    const failedParent = (taskGraph.dependencies[id] ?? []).find((d) => failed.has(d));
    if (failedParent) {
      out.error(`${task.name}:docker-build: not run, because ${failedParent} failed (it builds FROM that image).`);
      failed.add(id);
      return { task: id, result: { success: false, status: 'skipped', terminalOutput: out.text(), startTime, endTime: Date.now() } };
    }
    const started = Date.now();
    try {
      const done = await finishDockerBuild(task, out, { ...directLookups, facts });
      return result(id, done.success, out, started);
    } catch (e) {
      out.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      return result(id, false, out, started);
    }
  };
  const ids = order.filter((id) => planned.has(id));
  // Tasks that failed or finished while planning are done already: a child waits only for parents still to finish.
  const dependencies = (id: string) => (taskGraph.dependencies[id] ?? []).filter((d) => planned.has(d));
  for await (const { result: finished } of runParentsFirst(ids, dependencies, batchParallel(context), finish)) yield finished;
}

/** How many of the batch's builds run at once: Nx's parallel setting, read from what started this Nx run. */
function batchParallel(context: ExecutorContext): number {
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0');
  } catch {
    // Not Linux: NX_PARALLEL and nx.json still say.
  }
  const fromNxJson = (context.nxJsonConfiguration as { parallel?: number } | undefined)?.parallel;
  return nxParallel(argv, process.env, fromNxJson);
}
