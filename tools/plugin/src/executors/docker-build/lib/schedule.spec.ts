// The batch's scheduling: independent builds at once up to Nx's parallel setting, a child only after its parents,
// results as they finish; and the parallel setting read the way Nx reads it.
import { describe, expect, it } from 'vitest';
import { nxParallel, runParentsFirst } from './schedule';

/** Tasks that finish when the test says, recording what ran when. */
function controlled() {
  const finishers = new Map<string, () => void>();
  const events: string[] = [];
  let running = 0;
  let peak = 0;
  const run = (id: string) =>
    new Promise<string>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      events.push(`start ${id}`);
      finishers.set(id, () => {
        running--;
        events.push(`end ${id}`);
        resolve(`result of ${id}`);
      });
    });
  const finish = async (id: string) => {
    // Let the scheduler start whatever it can before the test looks.
    await new Promise((r) => setImmediate(r));
    const f = finishers.get(id);
    if (!f) throw new Error(`${id} has not started (started: ${[...finishers.keys()].join(', ')})`);
    f();
  };
  return { run, finish, events, started: () => [...finishers.keys()], peak: () => peak };
}

/** Drains the generator in the background, collecting what it yields. */
function drain<R>(gen: AsyncGenerator<{ id: string; result: R }>) {
  const yielded: Array<{ id: string; result: R }> = [];
  const done = (async () => {
    for await (const item of gen) yielded.push(item);
  })();
  return { yielded, done };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('runParentsFirst', () => {
  // base <- a, b, c (siblings); a <- a1. "external:build" is outside the batch and already done.
  const deps: Record<string, string[]> = { base: ['external:build'], a: ['base'], b: ['base'], c: ['base'], a1: ['a'] };
  const ids = ['base', 'a', 'b', 'c', 'a1'];

  it('runs siblings of one wave at once, up to the limit, and a child only after its parent finished', async () => {
    const t = controlled();
    const { yielded, done } = drain(runParentsFirst(ids, (id) => deps[id], 2, t.run));
    await tick();
    expect(t.started()).toEqual(['base']); // the children wait for their parent
    await t.finish('base');
    await tick();
    expect(t.started()).toEqual(['base', 'a', 'b']); // two at once: the limit
    await t.finish('b');
    await tick();
    expect(t.started()).toEqual(['base', 'a', 'b', 'c']); // b's slot goes to c; a1 still waits for a
    await t.finish('a');
    await tick();
    expect(t.started()).toEqual(['base', 'a', 'b', 'c', 'a1']);
    await t.finish('c');
    await t.finish('a1');
    await done;
    expect(t.peak()).toBe(2);
    // Yielded as they finished, each with its own result.
    expect(yielded.map((y) => y.id)).toEqual(['base', 'b', 'a', 'c', 'a1']);
    expect(yielded[1]).toEqual({ id: 'b', result: 'result of b' });
    expect(t.events.indexOf('start a1')).toBeGreaterThan(t.events.indexOf('end a'));
  });

  it('runs one at a time with a limit of 1, in parents-first order', async () => {
    const order: string[] = [];
    const gen = runParentsFirst(
      ids,
      (id) => deps[id],
      1,
      async (id) => void order.push(id),
    );
    for await (const _ of gen) void _;
    expect(order).toEqual(['base', 'a', 'b', 'c', 'a1']);
  });

  it('keeps a whole wave of 200 independent images busy at the limit and never above it', async () => {
    let running = 0;
    let peak = 0;
    const many = Array.from({ length: 200 }, (_, i) => `gen-${i}`);
    const gen = runParentsFirst(
      many,
      () => ['base'],
      4,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
      },
    );
    let count = 0;
    for await (const _ of gen) count++;
    expect(count).toBe(200);
    expect(peak).toBe(4);
  });

  it('names the tasks of a cycle instead of waiting forever', async () => {
    const gen = runParentsFirst(
      ['x', 'y'],
      (id) => (id === 'x' ? ['y'] : ['x']),
      2,
      async () => 0,
    );
    await expect(gen.next()).rejects.toThrow('the task graph has a cycle among x, y');
  });
});

describe('nxParallel', () => {
  const nx = (...args: string[]) => ['node', '/work/node_modules/nx/bin/nx.js', 'run-many', '-t', 'docker-build', ...args];

  it('reads --parallel=N and --parallel N from the command line that started Nx', () => {
    expect(nxParallel(nx('--parallel=6'), {}, undefined)).toBe(6);
    expect(nxParallel(nx('--parallel', '5', '--batch'), {}, 2)).toBe(5);
  });

  it('--parallel=false is 1; --parallel alone takes --maxParallel, NX_PARALLEL or 3', () => {
    expect(nxParallel(nx('--parallel=false'), { NX_PARALLEL: '8' }, 4)).toBe(1);
    expect(nxParallel(nx('--parallel', '--maxParallel=7'), {}, undefined)).toBe(7);
    expect(nxParallel(nx('--parallel'), { NX_PARALLEL: '9' }, undefined)).toBe(9);
    expect(nxParallel(nx('--parallel'), {}, undefined)).toBe(3);
  });

  it('without the flag: NX_PARALLEL, then nx.json parallel, then 3', () => {
    expect(nxParallel(nx(), { NX_PARALLEL: '2' }, 5)).toBe(2);
    expect(nxParallel(nx(), {}, 5)).toBe(5);
    expect(nxParallel(nx(), {}, undefined)).toBe(3);
  });
});
