// Builds base-image's local variant for real, the way a maintainer would: nx local-root, then nx docker-build -c local.
// Returns the build tag from build-result.json. Output is captured and shown only when a step fails. The bench builds
// it in scratch copies and earlier checkouts the same way (localBaseImageIn).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult, buildResultFileOf, type BuildResult, imageExists, LOCAL_ROOT_DEFAULTS } from '@vast/plugin/testing';
import { NX_ENV, repoRoot, type ScratchWorkspace } from './scratch-workspace';

export { repoRoot };

export async function nx(args: string[], timeoutMs = 20 * 60_000): Promise<RunResult> {
  return run('npx', ['nx', ...args, '--outputStyle=stream'], {
    cwd: repoRoot,
    env: { ...process.env, ...NX_ENV },
    reject: false,
    timeoutMs,
  });
}

/** nx's --outputStyle=stream output without the `<project>: ` prefix it puts on every line. */
export const withoutProjectPrefix = (output: string, project = 'base-image') => output.replace(new RegExp(`^${project}: `, 'gm'), '');

async function nxOrThrow(args: string[]): Promise<RunResult> {
  const started = Date.now();
  const result = await nx(args);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.exitCode !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(`nx ${args.join(' ')} failed (exit ${result.exitCode}, ${seconds}s):\n${tail}`);
  }
  console.log(`nx ${args.join(' ')}: ok in ${seconds}s`);
  return result;
}

/**
 * Makes the local Debian root (nx run base-image:local-root) unless the engine has it. The engine is shared, so this
 * serves the suites that build in a scratch copy too.
 */
export async function ensureLocalRoot(): Promise<void> {
  if (!(await imageExists(LOCAL_ROOT_DEFAULTS.image))) await nxOrThrow(['run', 'base-image:local-root']);
}

/** Makes the local Debian root if missing and builds base-image -c local; returns the local variant's build tag. */
export async function buildLocalBaseImage(): Promise<string> {
  await ensureLocalRoot();
  await nxOrThrow(['run', 'base-image:docker-build', '-c', 'local']);
  return localVariantTag(repoRoot);
}

/** The local variant's build tag from the build-result.json of base-image in the checkout at `root`. */
export function localVariantTag(root: string): string {
  const result = JSON.parse(readFileSync(join(root, buildResultFileOf('base-image')), 'utf8')) as BuildResult;
  const local = result.variants.find((v) => v.key === 'local');
  if (result.profile !== 'local' || !local)
    throw new Error(`${join(root, buildResultFileOf('base-image'))} has no local variant: ${JSON.stringify(result)}`);
  return local.buildTag;
}

/**
 * base-image -c local built in `ws` (a scratch copy, or an earlier revision's checkout; a no-op when the engine has
 * it), synchronously, as the bench runs its commands; returns the local variant's build tag.
 */
export function localBaseImageIn(ws: ScratchWorkspace): string {
  const built = ws.nx('run', 'base-image:docker-build', '-c', 'local');
  if (built.code !== 0) throw new Error(`${ws.root}: base-image:docker-build -c local failed:\n${built.output.slice(-3000)}`);
  return localVariantTag(ws.root);
}
