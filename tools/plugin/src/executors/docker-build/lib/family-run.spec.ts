import { describe, expect, it } from 'vitest';
import type { TaskGraph } from '@nx/devkit';
import { namedOnItsOwn } from './family-run';

/** A task graph as Nx hands it to executors: `edges` maps a task to the tasks it depends on. */
function graph(edges: Record<string, string[]>): TaskGraph {
  const ids = new Set([...Object.keys(edges), ...Object.values(edges).flat()]);
  const tasks = Object.fromEntries(
    [...ids].map((id) => {
      const [project, target] = id.split(':');
      return [id, { id, target: { project, target }, overrides: {}, outputs: [], parallelism: true }];
    }),
  );
  return {
    roots: [...ids].filter((id) => !(edges[id] ?? []).length),
    tasks,
    dependencies: Object.fromEntries([...ids].map((id) => [id, edges[id] ?? []])),
  } as unknown as TaskGraph;
}

const run = (projectName: string, taskGraph?: TaskGraph) => namedOnItsOwn({ projectName, targetName: 'docker-build', taskGraph });

describe('namedOnItsOwn', () => {
  // nx run vllm:docker-build: base-image's build and docker-build come along as dependencies.
  const single = graph({ 'vllm:docker-build': ['vllm:build', 'base-image:docker-build'], 'base-image:docker-build': ['base-image:build'] });
  // nx run-many -t docker-build: one top-level task per leaf of the FROM graph.
  const family = graph({
    'base-image:docker-build': [],
    'pytorch:docker-build': ['base-image:docker-build'],
    'comfyui:docker-build': ['pytorch:docker-build'],
    'vllm:docker-build': ['base-image:docker-build'],
    'ollama:docker-build': ['base-image:docker-build'],
  });

  it('nx run <image>:docker-build names that image, and only it', () => {
    expect(run('vllm', single)).toBe(true);
    expect(run('base-image', single)).toBe(false);
  });

  it('run-many and affected name no image on its own', () => {
    for (const image of ['base-image', 'pytorch', 'comfyui', 'vllm', 'ollama']) expect(run(image, family)).toBe(false);
  });

  it('an executor called without a task graph counts as named', () => {
    expect(run('vllm')).toBe(true);
  });
});
