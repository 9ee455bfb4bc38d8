// Small Docker engine helpers for the executors that boot containers (smoke, local-root). Every call goes through
// utils/exec (argv arrays only); the argv builders are pure and exported so specs can pin them.
import { existsSync } from 'node:fs';
import { run, type RunResult } from './exec';
import {
  inspectIdsArgv,
  inspectImageArgv,
  isManifestMissing,
  manifestDigests,
  parseRemoteManifest,
  pullArgv,
  remoteManifestArgv,
  tagArgv,
  untagArgv,
  type RemoteManifest,
} from './docker-commands';
import { lookupManifest } from './registry-http';

/**
 * The docker CLI to call: VAST_DOCKER if set, else Debian's /usr/bin/docker when present. Its 20.10 client has BuildKit
 * built in, while a newer standalone client on PATH (e.g. /usr/local/bin/docker 28) needs a buildx plugin that may be
 * missing ("BuildKit is enabled but the buildx component is missing").
 */
export function dockerCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VAST_DOCKER) return env.VAST_DOCKER;
  return existsSync(DEBIAN_DOCKER) ? DEBIAN_DOCKER : 'docker';
}

const DEBIAN_DOCKER = '/usr/bin/docker';

export class DockerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

/** Throws a DockerError that says how to fix it when the CLI is missing or no engine answers. */
export async function assertDockerEngine(): Promise<string> {
  const docker = dockerCommand();
  const result = await run(docker, ['version', '--format', '{{.Server.Version}}'], { reject: false });
  if (result.exitCode === 127) {
    throw new DockerError(`${docker}: the docker CLI is not installed. Install it: apt-get install -y docker.io`);
  }
  if (result.exitCode !== 0) {
    const reason = (result.stderr.split('\n').find((l) => l.trim()) ?? 'no answer').trim();
    throw new DockerError(
      `${docker}: no Docker engine answers (${reason}). Start dockerd: dockerd >/var/log/dockerd.log 2>&1 & (or systemctl start docker), then run again.`,
    );
  }
  return result.stdout.trim();
}

export async function imageExists(ref: string): Promise<boolean> {
  const result = await run(dockerCommand(), inspectImageArgv(ref), { reject: false });
  return result.exitCode === 0;
}

/**
 * The image ids of `refs` (one docker call: a no-op re-run is mostly these lookups), undefined for a ref the engine
 * does not have. Any other failure (no engine, no CLI) is reported the way assertDockerEngine words it.
 */
export async function imageIds(...refs: string[]): Promise<Array<string | undefined>> {
  const result = await run(dockerCommand(), inspectIdsArgv(refs), { reject: false });
  if (result.exitCode !== 0 && !/no such image/i.test(result.stderr)) {
    await assertDockerEngine();
    throw new DockerError(`docker image inspect failed: ${result.stderr.trim()}`);
  }
  const found = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(' ');
      return { id: line.slice(0, space), tags: JSON.parse(line.slice(space + 1) || '[]') as string[] };
    });
  return refs.map((ref) => found.find((f) => f.tags.includes(ref) || f.id === ref || f.tags.includes(`${ref}:latest`))?.id);
}

/** The image id of `ref`, or undefined when the engine does not have it. */
export async function imageId(ref: string): Promise<string | undefined> {
  return (await imageIds(ref))[0];
}

export async function tagImage(source: string, target: string): Promise<void> {
  await run(dockerCommand(), tagArgv(source, target));
}

/**
 * Pulls `remote` and tags it `local` (dropping the remote name); false when the registry does not have it or cannot
 * be reached, and the caller builds (or reports) instead.
 */
export async function pullAs(remote: string, local: string): Promise<boolean> {
  const result = await run(dockerCommand(), pullArgv(remote), { reject: false });
  if (result.exitCode !== 0) return false;
  await tagImage(remote, local);
  await run(dockerCommand(), untagArgv(remote), { reject: false });
  return true;
}

/** A registry's answer for one reference: what it holds, that it holds nothing there, or docker's failure to tell. */
export type RemoteLookup = { kind: 'found'; stdout: string } | { kind: 'absent' } | { kind: 'failed'; result: RunResult };

/**
 * `docker manifest inspect --verbose` of `ref` (no layers move): its output, `absent` when the registry has nothing
 * there, or `failed` with docker's result when it cannot tell (unreachable, refused). The FROM-image and push lookups
 * go through here (credential helpers, Docker Hub); cache registry lookups go over HTTP first (cachedManifest). Plain HTTP is allowed by default: cache registries are often on loopback or a private
 * network; docker-push allows it for loopback registries only.
 */
export async function lookupRemote(ref: string, insecure = true): Promise<RemoteLookup> {
  const result = await run(dockerCommand(), remoteManifestArgv(ref, insecure), { reject: false });
  if (result.exitCode === 0) return { kind: 'found', stdout: result.stdout };
  return isManifestMissing(result.stderr) ? { kind: 'absent' } : { kind: 'failed', result };
}

/**
 * What a cache registry holds under `ref`, asked over HTTP (one request, no process; plain HTTP allowed, as cache
 * registries often sit on a private network); undefined when it holds nothing there or cannot be reached, and the
 * caller builds instead. A registry that refuses what this client sends (config.json's auths or credential helper) is
 * asked once more through `docker manifest inspect`, so no registry the docker CLI itself can read is lost.
 */
export async function cachedManifest(ref: string): Promise<RemoteManifest | undefined> {
  const lookup = await lookupManifest(ref, { insecure: true });
  if (lookup.kind === 'found') return lookup.manifest;
  if (lookup.kind === 'absent' || !lookup.needsCredentials) return undefined;
  const viaCli = await lookupRemote(ref);
  return viaCli.kind === 'found' ? (parseRemoteManifest(viaCli.stdout) ?? { digest: 'unknown' }) : undefined;
}

/** The manifest digests a registry serves for `ref` now (see manifestDigests); undefined when it cannot say. */
export async function registryDigests(ref: string): Promise<string[] | undefined> {
  const lookup = await lookupRemote(ref);
  return lookup.kind === 'found' ? manifestDigests(lookup.stdout) : undefined;
}

export interface ContainerSpec {
  image: string;
  name: string;
  env: Record<string, string>;
  /** Container ports published on 127.0.0.1 only (random host port): nothing is reachable from other hosts. */
  publish: number[];
  labels: Record<string, string>;
  /** Arguments after the image (the entrypoint's flags). */
  args?: string[];
}

/** `docker create ...` argv for a container spec. Env values go in as separate argv items, never through a shell. */
export function createArgs(spec: ContainerSpec): string[] {
  const argv = ['create', '--name', spec.name];
  for (const [key, value] of Object.entries(spec.labels)) argv.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.env)) argv.push('--env', `${key}=${value}`);
  for (const port of spec.publish) argv.push('--publish', `127.0.0.1::${port}`);
  argv.push(spec.image, ...(spec.args ?? []));
  return argv;
}

/** Creates (does not start) a container; returns its id. */
export async function createContainer(spec: ContainerSpec): Promise<string> {
  const result = await run(dockerCommand(), createArgs(spec));
  return result.stdout.trim();
}

/** Copies a host path into a created or running container. */
export async function copyIntoContainer(container: string, hostPath: string, containerPath: string): Promise<void> {
  await run(dockerCommand(), ['cp', hostPath, `${container}:${containerPath}`]);
}

export async function startContainer(container: string): Promise<void> {
  await run(dockerCommand(), ['start', container]);
}

/** Runs argv inside a running container; never throws on a non-zero exit (the caller judges the result). */
export async function execInContainer(container: string, argv: string[], options: { timeoutMs?: number } = {}): Promise<RunResult> {
  return run(dockerCommand(), ['exec', container, ...argv], { reject: false, timeoutMs: options.timeoutMs ?? 60_000 });
}

/** `.State.Running`, `.State.ExitCode`, ... of a container, or undefined when it does not exist. */
export async function inspectContainer(container: string, format: string): Promise<string | undefined> {
  const result = await run(dockerCommand(), ['container', 'inspect', '--format', format, container], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function containerLogs(container: string, tail = 200): Promise<string> {
  const result = await run(dockerCommand(), ['logs', '--tail', String(tail), container], { reject: false });
  return [result.stdout, result.stderr].filter(Boolean).join('\n');
}

/** The host port Docker published a container's TCP port on (its first binding). */
export async function publishedPort(container: string, port: number): Promise<number> {
  const out = (await run(dockerCommand(), ['port', container, `${port}/tcp`])).stdout.trim().split('\n')[0];
  return Number(out.split(':').pop());
}

/** Removes a container and its anonymous volumes, running or not; a missing container is not an error. */
export async function removeContainer(container: string): Promise<void> {
  await run(dockerCommand(), ['rm', '--force', '--volumes', container], { reject: false });
}
