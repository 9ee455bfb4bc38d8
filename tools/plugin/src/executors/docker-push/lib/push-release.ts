// The I/O of a push: check the built images are still there, read what the registry holds under every planned
// reference, then perform the decided actions in order. Stops at the first failure.
import { dockerCommand, lookupRemote } from '../../../utils/docker';
import { materialize } from '../../../lib/materialize';
import { run } from '../../../utils/exec';
import type { BuiltVariant } from '../../../lib/build-result';
import {
  digestFor,
  inspectImageArgv,
  parseRemoteManifest,
  pushArgv,
  repoDigestsArgv,
  tagArgv,
  untagArgv,
} from '../../../utils/docker-commands';
import type { PushAction, PushRole, PushStep, RemoteState } from './plan-push';

export interface PushReport {
  pushed: { target: string; role: PushRole; digest?: string }[];
  /** Already in the registry with the same image: not pushed again. */
  unchanged: { target: string; role: PushRole; digest: string }[];
  failed?: { target: string; role: PushRole; error: string };
  /** Planned but not attempted because an earlier step failed. */
  notPushed: { target: string; role: PushRole }[];
}

const firstLine = (text: string) => text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

/**
 * Every built variant must still be in the engine under its build tag, as the same image id docker-build
 * recorded (one it left in the cache registry is pulled first). Returns the problems; nothing is tagged or pushed
 * unless this list is empty.
 */
export async function checkLocalImages(
  variants: BuiltVariant[],
  buildResultFile: string,
  rebuildHint: string,
  log: (line: string) => void = () => {},
): Promise<string[]> {
  const problems: string[] = [];
  for (const variant of variants) {
    if (variant.cacheRef) await materialize(variant, log);
    const result = await run(dockerCommand(), inspectImageArgv(variant.buildTag), { reject: false });
    if (result.exitCode !== 0) {
      const why =
        result.exitCode === 127
          ? 'the docker CLI is not installed or not on PATH'
          : firstLine(result.stderr) || `docker exited with ${result.exitCode}`;
      problems.push(
        `${buildResultFile}: variants '${variant.key}': image ${variant.buildTag} is not in the Docker engine (${why}). ${rebuildHint}`,
      );
    } else if (result.stdout.trim() !== variant.imageId) {
      problems.push(
        `${buildResultFile}: variants '${variant.key}': ${variant.buildTag} is now ${result.stdout.trim()}, not the built ${variant.imageId}. ${rebuildHint}`,
      );
    }
  }
  return problems;
}

/** What the registry holds under `target` now, read without moving any content (`docker manifest inspect`). */
async function remoteState(target: string, imageId: string, insecure: boolean): Promise<RemoteState> {
  const lookup = await lookupRemote(target, insecure);
  if (lookup.kind === 'absent') return lookup;
  if (lookup.kind === 'failed') {
    const { stderr, exitCode } = lookup.result;
    return { kind: 'unknown', reason: firstLine(stderr) || `docker exited with ${exitCode}` };
  }
  const manifest = parseRemoteManifest(lookup.stdout);
  if (!manifest) return { kind: 'unknown', reason: 'docker manifest inspect printed no manifest it could read' };
  if (manifest.configDigest === imageId) return { kind: 'same', digest: manifest.digest };
  return { kind: 'different', digest: manifest.digest, ...(manifest.configDigest ? { configDigest: manifest.configDigest } : {}) };
}

/** The registry's state of every planned reference, one lookup each, in plan order (the facts decidePush needs). */
export async function readRemoteStates(
  steps: PushStep[],
  insecure: boolean,
  log: (line: string) => void,
): Promise<Map<string, RemoteState>> {
  const states = new Map<string, RemoteState>();
  for (const [i, step] of steps.entries()) {
    log(`[check ${i + 1}/${steps.length}] ${step.target}`);
    states.set(step.target, await remoteState(step.target, step.imageId, insecure));
  }
  return states;
}

export interface PushOptions {
  log: (line: string) => void;
}

/**
 * Performs the decided actions in order: content first, then exact tags, then aliases. Stops at the first failure and
 * reports what was published and what was not; the registry-prefixed local names are removed in any case.
 */
export async function applyPush(actions: PushAction[], { log }: PushOptions): Promise<PushReport> {
  const report: PushReport = { pushed: [], unchanged: [], notPushed: [] };
  const created: string[] = [];
  try {
    for (const [i, { step, action, digest }] of actions.entries()) {
      const at = `[${i + 1}/${actions.length}]`;
      if (action === 'unchanged') {
        report.unchanged.push({ target: step.target, role: step.role, digest: digest as string });
        log(`${at} unchanged  ${step.target} (registry already has ${step.imageId.slice(0, 19)})`);
        continue;
      }
      log(`${at} ${step.role === 'content' ? 'staging   ' : 'tagging   '} ${step.target} <- ${step.source}`);
      try {
        await run(dockerCommand(), tagArgv(step.source, step.target));
        created.push(step.target);
        // Inherit the output: a multi-GB layer upload needs visible progress.
        await run(dockerCommand(), pushArgv(step.target), { stdio: 'inherit' });
      } catch (error) {
        report.failed = { target: step.target, role: step.role, error: error instanceof Error ? error.message : String(error) };
        report.notPushed = actions.slice(i + 1).map((a) => ({ target: a.step.target, role: a.step.role }));
        return report;
      }
      const digests = await run(dockerCommand(), repoDigestsArgv(step.target), { reject: false });
      report.pushed.push({ target: step.target, role: step.role, digest: digestFor(step.target, digests.stdout) });
    }
    return report;
  } finally {
    // The registry-prefixed names were only needed for the push; leave the shared engine as we found it.
    for (const ref of created) await run(dockerCommand(), untagArgv(ref), { reject: false });
  }
}
