// How a docker-build batch runs its tasks: as many at once as Nx's parallel setting allows, a child only after every
// parent in the batch has finished (it builds FROM that image), each result handed on as soon as it is there.

/**
 * Runs `run` for every id, at most `limit` at once, an id only after its dependencies among `ids` are done (those
 * outside `ids` already completed). Yields each id with its result in the order they finish.
 */
export async function* runParentsFirst<R>(
  ids: readonly string[],
  dependenciesOf: (id: string) => readonly string[],
  limit: number,
  run: (id: string) => Promise<R>,
): AsyncGenerator<{ id: string; result: R }> {
  const inSet = new Set(ids);
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<{ id: string; result: R }>>();
  const ready = (id: string) => !started.has(id) && dependenciesOf(id).every((d) => !inSet.has(d) || done.has(d));
  while (done.size < ids.length) {
    for (const id of ids) {
      if (running.size >= Math.max(1, limit)) break;
      if (!ready(id)) continue;
      started.add(id);
      running.set(
        id,
        run(id).then((result) => ({ id, result })),
      );
    }
    if (running.size === 0)
      throw new Error(`docker-build batch: the task graph has a cycle among ${ids.filter((id) => !done.has(id)).join(', ')}`);
    const finished = await Promise.race(running.values());
    running.delete(finished.id);
    done.add(finished.id);
    yield finished;
  }
}

/** Nx's own default when neither the command line, NX_PARALLEL nor nx.json says (readParallelFromArgsAndEnv). */
const NX_DEFAULT_PARALLEL = 3;

/**
 * Nx's parallel setting as the batch process can learn it. Nx 22.7 forks the batch without telling it, so this reads
 * what Nx itself reads, in its order: `--parallel[=N]` / `--maxParallel` on the command line that started Nx, then
 * NX_PARALLEL, then nx.json's `parallel`, then Nx's default of 3. `--parallel=false` is 1.
 */
export function nxParallel(argv: readonly string[], env: NodeJS.ProcessEnv, nxJsonParallel: number | undefined): number {
  const flag = (names: string[]) => {
    for (const [i, arg] of argv.entries()) {
      for (const name of names) {
        if (arg === `--${name}`) return argv[i + 1] !== undefined && !argv[i + 1].startsWith('-') ? argv[i + 1] : '';
        if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
      }
    }
    return undefined;
  };
  const count = (value: string | undefined) => {
    const n = Number(value);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const parallel = flag(['parallel']);
  const max = count(flag(['maxParallel', 'max-parallel']));
  if (parallel === 'false') return 1;
  if (parallel === 'true' || parallel === '' || (parallel === undefined && env.NX_PARALLEL))
    return max ?? count(env.NX_PARALLEL) ?? NX_DEFAULT_PARALLEL;
  if (parallel !== undefined) return count(parallel) ?? NX_DEFAULT_PARALLEL;
  return count(String(nxJsonParallel)) ?? NX_DEFAULT_PARALLEL;
}
