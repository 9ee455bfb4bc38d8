// An ExecutorContext for an executor run on a temp workspace, outside Nx. No vitest here: the e2e suites and the bench
// load it through @vast/plugin/testing.
import type { ExecutorContext } from '@nx/devkit';

export function fakeExecutorContext(root: string, projectName: string, projectRoot = `packages/images/${projectName}`): ExecutorContext {
  return {
    root,
    cwd: root,
    isVerbose: false,
    projectName,
    projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}
