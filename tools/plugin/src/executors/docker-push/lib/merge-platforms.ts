// docker-push --merge, the I/O: read the per-platform manifests and what each release tag holds now through the
// registry HTTP API (registry-copy's client), then write the manifest lists in the decided order. What `crane index
// append` or `docker manifest create/push` does, with no third-party binary and no engine.
import { createHash } from 'node:crypto';
import { MANIFEST_TYPES, registryClient } from '../../../utils/registry-http';
import { expectStatus, splitRepository } from './registry-copy';
import { renderManifestList, type MergeStep, type PlatformManifest } from './plan-merge';
import type { PushAction, RemoteState } from './plan-push';
import type { PushReport } from './push-release';
import { applyInOrder } from './apply-in-order';

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** `host/repo/name:tag` -> its registry, repository and tag. */
function splitReference(reference: string) {
  const colon = reference.lastIndexOf(':');
  return { ...splitRepository(reference.slice(0, colon)), tag: reference.slice(colon + 1) };
}

/** The manifest under `reference`, or undefined when the registry has none there. */
async function readManifest(reference: string, env: NodeJS.ProcessEnv) {
  const { host, repository, tag } = splitReference(reference);
  const client = registryClient(host, `repository:${repository}:pull`, { env });
  const got = await client(`/${repository}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
  if (got.status === 404) {
    await got.body?.cancel();
    return undefined;
  }
  await expectStatus(got, [200], `read ${reference}`);
  const bytes = Buffer.from(await got.arrayBuffer());
  const body = JSON.parse(bytes.toString('utf8')) as { config?: { digest: string } };
  return {
    client,
    repository,
    mediaType: got.headers.get('content-type') ?? MANIFEST_TYPES[0],
    digest: got.headers.get('docker-content-digest') ?? sha256(bytes),
    size: bytes.length,
    configDigest: body.config?.digest,
  };
}

/** Each per-platform source, with the platform its config records (undefined when the registry has no such tag). */
export async function readPlatformManifests(
  steps: MergeStep[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, PlatformManifest | undefined>> {
  const found = new Map<string, PlatformManifest | undefined>();
  for (const ref of new Set(steps.flatMap((s) => s.sources.map((source) => source.ref)))) {
    const m = await readManifest(ref, env);
    if (!m) {
      found.set(ref, undefined);
      continue;
    }
    let config: { architecture?: string; os?: string } = {};
    if (m.configDigest) {
      const blob = await expectStatus(await m.client(`/${m.repository}/blobs/${m.configDigest}`), [200], `read the config of ${ref}`);
      config = (await blob.json()) as typeof config;
    }
    found.set(ref, { mediaType: m.mediaType, digest: m.digest, size: m.size, architecture: config.architecture, os: config.os });
  }
  return found;
}

/** The list each step writes, and what its tag holds now (`same` when it is already that list). */
export async function readMergeTargets(
  steps: MergeStep[],
  manifests: ReadonlyMap<string, PlatformManifest | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ lists: Map<string, { mediaType: string; bytes: string }>; states: Map<string, RemoteState> }> {
  const lists = new Map<string, { mediaType: string; bytes: string }>();
  const states = new Map<string, RemoteState>();
  for (const step of steps) {
    const list = renderManifestList(step, manifests as ReadonlyMap<string, PlatformManifest>);
    lists.set(step.target, list);
    try {
      const there = await readManifest(step.target, env);
      states.set(
        step.target,
        !there
          ? { kind: 'absent' }
          : there.digest === sha256(list.bytes)
            ? { kind: 'same', digest: there.digest }
            : { kind: 'different', digest: there.digest, ...(there.configDigest ? { configDigest: there.configDigest } : {}) },
      );
    } catch (error) {
      states.set(step.target, { kind: 'unknown', reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { lists, states };
}

/** Writes the decided lists in order (exact tags, then aliases); stops at the first failure, as a push does. */
export async function applyMerge(
  actions: PushAction[],
  lists: ReadonlyMap<string, { mediaType: string; bytes: string }>,
  { log, env = process.env }: { log: (line: string) => void; env?: NodeJS.ProcessEnv },
): Promise<PushReport> {
  return applyInOrder(actions, {
    log,
    announce: (step) => `merging    ${step.target} <- ${step.source}`,
    write: async (step) => {
      const list = lists.get(step.target) as { mediaType: string; bytes: string };
      const { host, repository, tag } = splitReference(step.target);
      const client = registryClient(host, `repository:${repository}:pull,push`, { env });
      const put = await expectStatus(
        await client(`/${repository}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': list.mediaType }, body: list.bytes }),
        [201],
        `put ${step.target}`,
      );
      return put.headers.get('docker-content-digest') ?? sha256(list.bytes);
    },
  });
}
