// Before anything is pushed: the registry answers, and if it asks for credentials the docker CLI has some for it.
// One GET of /v2/ (the registry API's version check; it moves no content), then a look in the CLI's config.json.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackRegistry, registryHost } from './plan-push';

/** The part of the docker CLI's config.json that says where credentials come from. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string } | undefined>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub's credentials live under this key in config.json, whatever name the push uses for the registry. */
const DOCKER_HUB_KEYS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/**
 * Whether `config` gives the docker CLI credentials for `host`: an `auths` entry (also under an `https://` key), a
 * credential helper for it, or a credentials store (which may hold them; only the helper itself can say).
 */
export function hasDockerCredentials(host: string, config: DockerConfig): boolean {
  const keys = credentialKeys(host);
  return keys.some((key) => config.auths?.[key] !== undefined || config.credHelpers?.[key] !== undefined) || Boolean(config.credsStore);
}

/** The config.json keys the docker CLI files `host`'s credentials under. */
function credentialKeys(host: string): string[] {
  return DOCKER_HUB_KEYS.has(host) ? [DOCKER_HUB_AUTH_KEY, ...DOCKER_HUB_KEYS] : [host, `https://${host}`, `http://${host}`];
}

/** The basic credentials (`auth`, base64 user:password) the docker CLI stored for `host` in config.json `auths`. */
export function basicAuthFor(host: string, config: DockerConfig): string | undefined {
  return credentialKeys(host)
    .map((key) => config.auths?.[key]?.auth)
    .find((auth) => typeof auth === 'string');
}

/** Where the docker CLI reads its config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** The docker CLI's config.json ({} when absent or unreadable). */
export function readDockerConfig(env: NodeJS.ProcessEnv): DockerConfig {
  const file = dockerConfigFile(env);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch {
    return {};
  }
}

/** The registry API's base URL (`…/v2`): plain HTTP on loopback (as docker allows), HTTPS elsewhere. */
export function registryApiBase(registry: string): string {
  const host = registryHost(registry);
  if (isLoopbackRegistry(registry)) return `http://${host}/v2`;
  return `https://${DOCKER_HUB_KEYS.has(host) ? 'registry-1.docker.io' : host}/v2`;
}

/** The URL of the registry API's version check. */
export function versionCheckUrl(registry: string): string {
  return `${registryApiBase(registry)}/`;
}

/**
 * The problems that stop a push to `registry` before it starts (empty when none): it does not answer, or it asks for
 * credentials (401) and the docker CLI has none for it.
 */
export async function checkRegistryAccess(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const url = versionCheckUrl(registry);
  const host = registryHost(registry);
  let status: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    return [`registry ${host}: GET ${url} failed (${reason}). Start the registry or fix --registry / VAST_REGISTRY, then run again.`];
  }
  if (status === 401) {
    const file = dockerConfigFile(env);
    if (!hasDockerCredentials(host, readDockerConfig(env))) {
      return [
        `registry ${host}: asks for credentials (GET ${url} answered 401) and the docker CLI has none for ${host} in ${file}. Run docker login ${host}, then run again.`,
      ];
    }
  }
  return [];
}
