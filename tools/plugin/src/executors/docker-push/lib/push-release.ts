// The I/O of a push: check the built images are still there, then tag and push each reference in plan
// order, skipping references the registry already holds with the same image. Stops at the first failure.
import { dockerCommand } from '../../../utils/docker';
import { materialize } from '../../../lib/materialize';
import { run } from '../../../utils/exec';
import type { BuiltVariant } from '../../../lib/build-result';
import {
  digestFor,
  inspectImageArgv,
  isManifestMissing,
  parseRemoteManifest,
  pushArgv,
  remoteManifestArgv,
  repoDigestsArgv,
  tagArgv,
  untagArgv,
} from '../../../utils/docker-commands';
import type { PushStep } from './plan-push';

export interface PushReport {
  pushed: { target: string; digest?: string }[];
  /** Already in the registry with the same image: not pushed again. */
  unchanged: { target: string; digest: string }[];
  failed?: { target: string; error: string };
  /** Planned but not attempted because an earlier step failed. */
  notPushed: string[];
}

const firstLine = (text: string) => text.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';

/**
 * Every built variant must still be in the engine under its build tag, as the same image id docker-build
 * recorded (one it left in the cache registry is pulled first). Returns the problems; nothing is tagged or pushed
 * unless this list is empty.
 */
export async function checkLocalImages(variants: BuiltVariant[], buildResultFile: string, rebuildHint: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const problems: string[] = [];
  for (const variant of variants) {
    if (variant.cacheRef) await materialize(variant, log);
    const result = await run(dockerCommand(), inspectImageArgv(variant.buildTag), { reject: false });
    if (result.exitCode !== 0) {
      const why = result.exitCode === 127 ? 'the docker CLI is not installed or not on PATH' : firstLine(result.stderr) || `docker exited with ${result.exitCode}`;
      problems.push(`${buildResultFile}: variants '${variant.key}': image ${variant.buildTag} is not in the Docker engine (${why}). ${rebuildHint}`);
    } else if (result.stdout.trim() !== variant.imageId) {
      problems.push(
        `${buildResultFile}: variants '${variant.key}': ${variant.buildTag} is now ${result.stdout.trim()}, not the built ${variant.imageId}. ${rebuildHint}`,
      );
    }
  }
  return problems;
}

type RemoteState = { kind: 'same'; digest: string } | { kind: 'absent' } | { kind: 'different' } | { kind: 'unknown' };

async function remoteState(step: PushStep, insecure: boolean): Promise<RemoteState> {
  const result = await run(dockerCommand(), remoteManifestArgv(step.target, insecure), { reject: false });
  if (result.exitCode !== 0) return isManifestMissing(result.stderr) ? { kind: 'absent' } : { kind: 'unknown' };
  const manifest = parseRemoteManifest(result.stdout);
  if (!manifest) return { kind: 'unknown' };
  return manifest.configDigest === step.imageId ? { kind: 'same', digest: manifest.digest } : { kind: 'different' };
}

export interface PushOptions {
  /** Let `docker manifest inspect` use plain HTTP (loopback registries). */
  insecure: boolean;
  log: (line: string) => void;
}

export async function pushSteps(steps: PushStep[], { insecure, log }: PushOptions): Promise<PushReport> {
  const report: PushReport = { pushed: [], unchanged: [], notPushed: [] };
  const created: string[] = [];
  try {
    for (const [i, step] of steps.entries()) {
      const state = await remoteState(step, insecure);
      if (state.kind === 'same') {
        report.unchanged.push({ target: step.target, digest: state.digest });
        log(`[${i + 1}/${steps.length}] unchanged  ${step.target} (registry already has ${step.imageId.slice(0, 19)})`);
        continue;
      }
      log(`[${i + 1}/${steps.length}] pushing    ${step.target} <- ${step.source}`);
      try {
        await run(dockerCommand(), tagArgv(step.source, step.target));
        created.push(step.target);
        // Inherit the output: a multi-GB layer upload needs visible progress.
        await run(dockerCommand(), pushArgv(step.target), { stdio: 'inherit' });
      } catch (error) {
        report.failed = { target: step.target, error: error instanceof Error ? error.message : String(error) };
        report.notPushed = steps.slice(i + 1).map((s) => s.target);
        return report;
      }
      const digests = await run(dockerCommand(), repoDigestsArgv(step.target), { reject: false });
      report.pushed.push({ target: step.target, digest: digestFor(step.target, digests.stdout) });
    }
    return report;
  } finally {
    // The registry-prefixed names were only needed for the push; leave the shared engine as we found it.
    for (const ref of created) await run(dockerCommand(), untagArgv(ref), { reject: false });
  }
}
