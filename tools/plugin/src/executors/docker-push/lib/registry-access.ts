// Before anything is pushed: the registry answers, and if it asks for credentials the docker CLI has some for it.
// One GET of /v2/ (the registry API's version check; it moves no content), then a look in the CLI's config.json.
import { dockerConfigFile, hasDockerCredentials, readDockerConfig, registryApiBase, registryHost } from '../../../utils/registry-http';

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
