// The release suites' view of a scratch workspace (e2e/support/scratch-workspace.ts): an async git and a dir.
import { repoRoot, ScratchWorkspace as Scratch } from '../support/scratch-workspace';

export const workspaceRoot = repoRoot;

export interface ScratchWorkspace {
  dir: string;
  git: (...args: string[]) => Promise<string>;
  remove: () => void;
}

export async function createScratchWorkspace(prefix: string): Promise<ScratchWorkspace> {
  const ws = Scratch.create(`${prefix}-`);
  return { dir: ws.root, git: async (...args: string[]) => ws.git(...args), remove: () => ws.dispose() };
}
