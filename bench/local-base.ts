// The local base (base-image's local variant) built in a workspace, for the sections that boot it or time around it.
import type { ScratchWorkspace } from '../e2e/support/scratch-workspace';

/** Builds it in `ws` (a no-op when the engine has it under that checkout's content tag); the tag its build result names. */
export function localBaseImage(ws: ScratchWorkspace): string {
  const built = ws.nx('run', 'base-image:docker-build', '-c', 'local');
  if (built.code !== 0) throw new Error(`${ws.root}: base-image:docker-build -c local failed:\n${built.output.slice(-3000)}`);
  return JSON.parse(ws.read('dist/builds/base-image/build-result.json')).variants[0].buildTag;
}
