// Whether this docker-build task runs as one of a family (run-many, affected) or was named on its own (nx run x:...).
import type { ExecutorContext } from '@nx/devkit';

/**
 * A task is named on its own when it is the only task of its target that no other task depends on: `nx run
 * vllm:docker-build` has that one top-level task (base-image's is its dependency), while `nx run-many -t docker-build`
 * and `nx affected -t docker-build` have one per leaf of the FROM graph. Without a task graph (an executor called
 * directly), it counts as named, so nothing is skipped silently.
 */
export function namedOnItsOwn(context: Pick<ExecutorContext, 'taskGraph' | 'projectName' | 'targetName'>): boolean {
  const graph = context.taskGraph;
  if (!graph) return true;
  const dependedOn = new Set(Object.values(graph.dependencies).flat());
  const topLevel = Object.values(graph.tasks).filter((t) => t.target.target === context.targetName && !dependedOn.has(t.id));
  return topLevel.length <= 1 && topLevel.every((t) => t.target.project === context.projectName);
}
