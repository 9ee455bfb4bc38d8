// The batch implementation with utils/exec replaced by the in-memory docker (as executor.spec.ts): a family settled
// with one engine lookup, and the two ways an unchanged-looking family must still rebuild.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskGraph } from '@nx/devkit';
import { renderImageManifest } from '@vast/conventions';
import { fakeDefinition, fakeFamily } from '@vast/conventions/testing';
import { FakeDocker, fakeExecutorContext, serveFakeRegistry, type FakeRegistryServer } from '../../utils/testing';
// vi.mock below is hoisted above this import, so the batch sees the fake docker.
import dockerBuildBatch, { parentsFirst } from './batch';
import type { DockerBuildExecutorOptions } from './schema';

const calls: string[][] = [];
const engine = new FakeDocker();

vi.mock('../../utils/exec', async () =>
  (await import('../../utils/testing')).fakeExecModule((command, args) => {
    calls.push([command, ...args]);
    return engine.run(args);
  }),
);

let root: string;
// The cache registry a fresh runner asks over HTTP: a loopback server answering from the fake docker's pushes.
let cache: FakeRegistryServer;
beforeAll(async () => {
  cache = await serveFakeRegistry(engine);
});
afterAll(() => cache.close());

/** Writes the assembled context of base and app (a derivative of base), as `build` does; `revision` changes app's. */
function assemble(revision = '') {
  for (const [name, image] of fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'))) {
    mkdirSync(join(root, 'packages/images', name), { recursive: true });
    writeFileSync(join(root, 'packages/images', name, 'image.ts'), '');
    mkdirSync(join(root, 'dist/images', name), { recursive: true });
    const hash = `context-of-${name}${name === 'app' ? revision : ''}`;
    writeFileSync(join(root, 'dist/images', name, 'image.json'), JSON.stringify(renderImageManifest(image, hash)));
  }
}

beforeEach(() => {
  process.env.VAST_DOCKER = 'docker';
  delete process.env.NX_DRY_RUN;
  delete process.env.VAST_CACHE_REGISTRY;
  root = mkdtempSync(join(tmpdir(), 'docker-build-batch-spec-'));
  assemble();
  calls.length = 0;
  engine.images.clear();
  engine.registry.clear();
  engine.registry.set('ubuntu:24.04', `sha256:${'1'.repeat(64)}`);
  engine.builds = 0;
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const task = (project: string) => ({ id: `${project}:docker-build`, target: { project, target: 'docker-build' }, overrides: {} });
/** What Nx hands the batch for `nx run-many -t docker-build`: both tasks, app after base (and after its own build). */
const graph = {
  tasks: { 'base:docker-build': task('base'), 'app:docker-build': task('app') },
  dependencies: { 'app:docker-build': ['app:build', 'base:docker-build'], 'base:docker-build': ['base:build'] },
  continuousDependencies: {},
  roots: ['base:docker-build'],
} as unknown as TaskGraph;

async function runBatch(options: DockerBuildExecutorOptions = {}) {
  const context = { ...fakeExecutorContext(root, 'base'), taskGraph: graph };
  const inputs = { 'base:docker-build': options, 'app:docker-build': options };
  const results = await dockerBuildBatch(graph, inputs, options, context);
  const byTask: Record<string, { success: boolean; terminalOutput: string }> = {};
  for await (const { task, result } of results as AsyncIterable<{ task: string; result: { success: boolean; terminalOutput: string } }>)
    byTask[task] = result;
  return byTask;
}

const buildTag = (name: string) =>
  JSON.parse(readFileSync(join(root, 'dist/builds', name, 'build-result.json'), 'utf8')).variants[0].buildTag as string;

describe('docker-build batch', () => {
  it('orders a batch parents first, whatever order Nx lists it in', () => {
    expect(parentsFirst(graph)).toEqual(['base:docker-build', 'app:docker-build']);
  });

  it('settles an unchanged family with one engine lookup and one registry lookup per FROM image, building nothing', async () => {
    const first = await runBatch();
    expect(
      Object.values(first).every((r) => r.success),
      JSON.stringify(first),
    ).toBe(true);
    expect(engine.builds).toBe(2);
    calls.length = 0;

    const again = await runBatch();
    expect(again['base:docker-build'].success && again['app:docker-build'].success).toBe(true);
    expect(engine.builds).toBe(2);
    expect(calls.map((c) => c.slice(1, 3).join(' '))).toEqual(['manifest inspect', 'image inspect']);
    expect(again['app:docker-build'].terminalOutput).toMatch(/app:stock: up to date \(vastai\/app:build-[0-9a-f]{12} exists\), skipped/);
  });

  it('rebuilds an image whose content tag was removed from the engine (docker rmi), and only that one', async () => {
    await runBatch();
    engine.images.delete(buildTag('app'));
    const results = await runBatch();
    expect(results['app:docker-build'].success).toBe(true);
    expect(engine.builds).toBe(3);
    expect(results['app:docker-build'].terminalOutput).toContain(`building ${buildTag('app')}`);
    expect(results['base:docker-build'].terminalOutput).toContain('up to date');
  });

  it('rebuilds an image whose inputs changed, under its new content tag', async () => {
    await runBatch();
    const before = buildTag('app');
    assemble('-edited');
    const results = await runBatch();
    expect(buildTag('app')).not.toBe(before);
    expect(engine.builds).toBe(3);
    expect(results['app:docker-build'].terminalOutput).toContain(`building ${buildTag('app')}`);
  });

  it('on a fresh runner asks the cache registry once per variant and builds nothing', async () => {
    await runBatch({ cacheRegistry: cache.host });
    engine.images.clear();
    engine.builds = 0;
    calls.length = 0;
    cache.asked.length = 0;
    const results = await runBatch({ cacheRegistry: cache.host });
    expect(Object.values(results).every((r) => r.success)).toBe(true);
    expect(engine.builds).toBe(0);
    // The FROM image through docker; every cache reference over HTTP, once each, with no docker process.
    expect(calls.filter((c) => c[1] === 'manifest').map((c) => c.at(-1))).toEqual(['ubuntu:24.04']);
    expect([...cache.asked].sort()).toEqual([`${cache.host}/` + buildTag('app'), `${cache.host}/` + buildTag('base')].sort());
  });

  it('does not run a child whose parent failed in the same batch', async () => {
    engine.failBuilds = true;
    const results = await runBatch();
    engine.failBuilds = false;
    expect(results['base:docker-build'].success).toBe(false);
    expect(results['app:docker-build'].success).toBe(false);
    expect(results['app:docker-build'].terminalOutput).toContain('not run, because base:docker-build failed');
    expect(calls.filter((c) => c[1] === 'build')).toHaveLength(1);
  });
});
