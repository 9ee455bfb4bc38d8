// One nx command in a scratch workspace, timed by the wall clock; a failed command stops the bench with its output.
import { join } from 'node:path';
import type { ScratchWorkspace } from '../e2e/support/scratch-workspace';

export function timed(ws: ScratchWorkspace, label: string, args: string[], env: Record<string, string> = {}): number {
  const started = process.hrtime.bigint();
  const result = ws.run(join(ws.root, 'node_modules/.bin/nx'), args, env);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.code !== 0) throw new Error(`${label} failed:\n${result.output.slice(-4000)}`);
  return ms;
}
