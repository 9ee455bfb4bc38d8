// Test helpers for executor specs: an ExecutorContext for a temp workspace, and a stand-in for utils/exec that
// answers from an in-memory program while keeping run()'s contract (throw on a non-zero exit unless reject: false).
import { vi } from 'vitest';
import type { ExecutorContext } from '@nx/devkit';
import type { RunOptions, RunResult } from './exec';

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

/**
 * The module `vi.mock('…/utils/exec', () => fakeExecModule(handle))` installs. `handle` is called per command; keep
 * it a closure over the spec's state (vi.mock factories run before the spec's own top-level code).
 */
export function fakeExecModule(handle: (command: string, args: readonly string[]) => RunResult) {
  return {
    run: vi.fn(async (command: string, args: readonly string[], options: RunOptions = {}) => {
      const result = handle(command, args);
      if (result.exitCode !== 0 && options.reject !== false) throw new Error(`${command} ${args.join(' ')} exited with ${result.exitCode}:\n${result.stderr}`);
      return result;
    }),
    hasCommand: vi.fn(async () => true),
  };
}
