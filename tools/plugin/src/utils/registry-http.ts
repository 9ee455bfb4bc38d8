// The plugin's one registry HTTP client: where a registry's API is, a fetch that answers its auth challenge with the
// credentials the docker CLI would send (docker-credentials: credHelpers, credsStore, auths), and a manifest lookup. docker-push (access check, promotion copy) and
// docker-build (the cache registry lookups of a fresh runner) all use it, so a lookup costs one request, not a process.
import {
  basicAuthorization,
  bearerTokenRequest,
  DOCKER_HUB_HOSTS,
  DockerCredentialsError,
  readRegistryCredentials,
} from './docker-credentials';
import type { RemoteManifest } from './docker-commands';

export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** The host part of `host[:port][/namespace]`. */
export const registryHost = (registry: string) => registry.split('/')[0];

/** Loopback registries speak plain HTTP; docker only allows that for them (and for configured insecure registries). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHost(registry).replace(/:\d+$/, '');
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * The registry API's base URL (`…/v2`): plain HTTP on loopback (as docker allows), HTTPS elsewhere, or plain HTTP when
 * `scheme` says so (an insecure registry on a private network, as `docker manifest inspect --insecure` falls back to).
 */
export function registryApiBase(registry: string, scheme?: 'http' | 'https'): string {
  const host = registryHost(registry);
  if (scheme === 'http' || (!scheme && isLoopbackRegistry(registry))) return `http://${host}/v2`;
  return `https://${DOCKER_HUB_HOSTS.has(host) ? 'registry-1.docker.io' : host}/v2`;
}

/** The manifest media types the client accepts: single images and indexes, Docker's and OCI's. */
export const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

/** A fetch bound to one registry: a path under its `/v2` (or a full URL), answering its auth challenge once. */
export type RegistryFetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface RegistryClientOptions {
  env?: NodeJS.ProcessEnv;
  scheme?: 'http' | 'https';
  /** Each request gives up after this long (a registry that stops answering must not hang the run). */
  timeoutMs?: number;
}

/**
 * A fetch for one registry that answers a Bearer challenge once (token scoped to `scope`, credentials from the docker
 * CLI's config.json) or sends Basic credentials, and keeps the answer for its later requests.
 */
export function registryClient(host: string, scope: string, options: RegistryClientOptions = {}): RegistryFetch {
  const env = options.env ?? process.env;
  const signal = () => (options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined);
  let authorization: string | undefined;
  return async (path, init = {}) => {
    const url = path.startsWith('http') ? path : `${registryApiBase(host, options.scheme)}${path}`;
    const send = () =>
      fetch(url, {
        signal: signal(),
        ...init,
        headers: { ...(init.headers as Record<string, string>), ...(authorization ? { authorization } : {}) },
      });
    const response = await send();
    if (response.status !== 401 || authorization) return response;
    const challenge = response.headers.get('www-authenticate') ?? '';
    await response.body?.cancel();
    // The credentials the docker CLI would send (config.json auths, or its credential helper); a helper failure throws.
    const credentials = await readRegistryCredentials(host, env);
    const bearer = /^Bearer\s+(.*)$/i.exec(challenge)?.[1];
    if (bearer) {
      const params = Object.fromEntries([...bearer.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const request = bearerTokenRequest(params.realm ?? '', { service: params.service, scope }, credentials);
      const token = await fetch(request.url, { signal: signal(), ...request.init });
      const body = (await token.json().catch(() => ({}))) as { token?: string; access_token?: string };
      const value = body.token ?? body.access_token;
      if (!token.ok || !value) {
        const from = credentials.kind === 'none' ? `no credentials ${credentials.looked}` : `credentials from ${credentials.from}`;
        throw new RegistryError(
          `registry ${host}: no token for ${scope} (HTTP ${token.status}, ${from}). Run docker login ${host}, then run again.`,
        );
      }
      authorization = `Bearer ${value}`;
    } else if (credentials.kind === 'basic') {
      authorization = basicAuthorization(credentials);
    } else {
      throw new RegistryError(
        `registry ${host}: asks for Basic credentials and the docker CLI has ${credentials.kind === 'none' ? `none ${credentials.looked}` : `only an identity token from ${credentials.from}`}. Run docker login ${host}, then run again.`,
      );
    }
    return send();
  };
}

/** `host[:port]`, the repository inside it and the tag (or digest) of `host[:port]/path/name:tag`. */
export function splitReference(reference: string): { host: string; repository: string; tag: string } {
  const slash = reference.indexOf('/');
  const path = reference.slice(slash + 1);
  const at = path.indexOf('@');
  const colon = at >= 0 ? at : path.lastIndexOf(':');
  return { host: reference.slice(0, slash), repository: path.slice(0, colon), tag: path.slice(colon + 1) };
}

/** Why a lookup could not tell (unreachable, refused): the cause's code when fetch gives one. */
function failureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** A registry's answer for one reference: its manifest, that it holds nothing there, or why it could not tell. */
export type ManifestLookup =
  { kind: 'found'; manifest: RemoteManifest } | { kind: 'absent' } | { kind: 'failed'; reason: string; needsCredentials?: true };

/**
 * One GET of `reference`'s manifest (no layers move): its digest, and its config digest (= the image id) when it is a
 * single image; an index has none, so it never counts as the image itself. `insecure` allows plain HTTP after HTTPS
 * fails to connect, as `docker manifest inspect --insecure` does; loopback registries are asked over HTTP directly.
 */
export async function lookupManifest(
  reference: string,
  { insecure = false, env = process.env, timeoutMs = 15_000 }: { insecure?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ManifestLookup> {
  const { host, repository, tag } = splitReference(reference);
  const schemes: Array<'http' | 'https' | undefined> = insecure && !isLoopbackRegistry(host) ? ['https', 'http'] : [undefined];
  let reason = '';
  for (const scheme of schemes) {
    try {
      const client = registryClient(host, `repository:${repository}:pull`, { env, scheme, timeoutMs });
      const response = await client(`/${repository}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES.join(', ') } });
      if (response.status === 404) {
        await response.body?.cancel();
        return { kind: 'absent' };
      }
      const text = await response.text();
      if (!response.ok) {
        const reason = `GET ${response.url}: HTTP ${response.status} ${text.trim().slice(0, 200)}`;
        // Refused with the credentials sent (or none): the docker CLI's credential helpers may hold better ones.
        return response.status === 401 || response.status === 403
          ? { kind: 'failed', reason, needsCredentials: true }
          : { kind: 'failed', reason };
      }
      const body = JSON.parse(text) as { config?: { digest?: unknown }; manifests?: unknown };
      const digest = response.headers.get('docker-content-digest') ?? 'unknown';
      const config = body.manifests === undefined ? body.config?.digest : undefined;
      return { kind: 'found', manifest: { digest, ...(typeof config === 'string' ? { configDigest: config } : {}) } };
    } catch (error) {
      if (error instanceof RegistryError || error instanceof DockerCredentialsError)
        return { kind: 'failed', reason: error.message, needsCredentials: true };
      reason = `${registryApiBase(host, scheme)}: ${failureReason(error)}`;
    }
  }
  return { kind: 'failed', reason };
}
