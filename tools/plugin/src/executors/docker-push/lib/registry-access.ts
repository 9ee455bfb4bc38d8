// Before anything is pushed: the registry answers, and if it asks for credentials the docker CLI has some for it.
// One GET of /v2/ (the registry API's version check; it moves no content), then the credentials the docker CLI would
// send (config.json auths or its credential helper), tried when the registry asks for Basic ones.
import { registryApiBase, registryHost } from '../../../utils/registry-http';
import {
  basicAuthorization,
  DockerCredentialsError,
  readRegistryCredentials,
  type RegistryCredentials,
} from '../../../utils/docker-credentials';

/** The URL of the registry API's version check. */
export function versionCheckUrl(registry: string): string {
  return `${registryApiBase(registry)}/`;
}

/**
 * The problems that stop a push to `registry` before it starts (empty when none): it does not answer; or it asks for
 * credentials (401) and the docker CLI has none for it (config.json auths, or its credential helper), or its helper
 * fails, or the registry refuses the ones it has (checked when the registry asks for Basic credentials).
 */
export async function checkRegistryAccess(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const url = versionCheckUrl(registry);
  const host = registryHost(registry);
  let response: Response;
  try {
    response = await versionCheck(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    return [`registry ${host}: GET ${url} failed (${reason}). Start the registry or fix --registry / VAST_REGISTRY, then run again.`];
  }
  if (response.status !== 401) return [];
  let credentials: RegistryCredentials;
  try {
    credentials = await readRegistryCredentials(host, env);
  } catch (error) {
    if (error instanceof DockerCredentialsError) return [error.message];
    throw error;
  }
  if (credentials.kind === 'none') {
    return [
      `registry ${host}: asks for credentials (GET ${url} answered 401) and the docker CLI has none for ${host} ${credentials.looked}. Run docker login ${host}, then run again.`,
    ];
  }
  // A Basic registry can say now whether it takes them; a token server is asked on the first real request.
  if (credentials.kind === 'basic' && /^Basic\b/i.test(response.headers.get('www-authenticate') ?? '')) {
    const again = await versionCheck(url, basicAuthorization(credentials)).catch(() => undefined);
    if (again?.status === 401) {
      return [
        `registry ${host}: refuses the credentials of user '${credentials.username}' from ${credentials.from} (GET ${url} answered 401 with them). Run docker login ${host} again (or fix what the helper stores for ${host}), then run again.`,
      ];
    }
  }
  return [];
}

/** One GET of the API's version check (no content moves); the body is dropped. */
async function versionCheck(url: string, authorization?: string): Promise<Response> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000), ...(authorization ? { headers: { authorization } } : {}) });
  await response.body?.cancel();
  return response;
}
