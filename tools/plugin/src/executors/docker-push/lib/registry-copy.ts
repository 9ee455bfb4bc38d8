// Promotion's one registry operation: copy a manifest, by digest, from one repository to a tag of another on the same
// registry, through the registry HTTP API (what crane copy does; there is no buildx here). The blobs are mounted
// across repositories inside the registry, the manifest bytes are put back unchanged, so the tag names the very
// digest that was staged and tested: nothing is pulled, rebuilt or re-compressed.
import { MANIFEST_TYPES, RegistryError, registryApiBase, registryClient } from '../../../utils/registry-http';

/** `host[:port]` and the repository path inside it, e.g. `127.0.0.1:5000` + `staging/vastai/base-image`. */
export interface RegistryRepository {
  host: string;
  repository: string;
}

/** Splits `host[:port]/path/name` (no tag, no digest). */
export function splitRepository(reference: string): RegistryRepository {
  const slash = reference.indexOf('/');
  return { host: reference.slice(0, slash), repository: reference.slice(slash + 1) };
}

export async function expectStatus(response: Response, ok: number[], what: string): Promise<Response> {
  if (ok.includes(response.status)) return response;
  const text = await response.text().catch(() => '');
  throw new RegistryError(`${what}: HTTP ${response.status} ${text.trim().slice(0, 200)}`);
}

/**
 * Makes `to:tag` name manifest `digest` of `from` (same registry host): every blob mounted from `from` (or uploaded
 * when the registry declines the mount), child manifests of an index first, then the manifest bytes as they are.
 * Returns the digest the registry reports for the tag, which is `digest`.
 */
export async function copyManifestByDigest(
  from: RegistryRepository,
  digest: string,
  to: RegistryRepository & { tag: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (from.host !== to.host) {
    throw new RegistryError(`promotion copies inside one registry; ${from.host} and ${to.host} differ. Stage on ${to.host}.`);
  }
  const client = registryClient(to.host, `repository:${to.repository}:pull,push repository:${from.repository}:pull`, { env });

  const copyBlob = async (blob: string) => {
    const head = await client(`/${to.repository}/blobs/${blob}`, { method: 'HEAD' });
    if (head.status === 200) return;
    const mount = await client(`/${to.repository}/blobs/uploads/?mount=${blob}&from=${from.repository}`, { method: 'POST' });
    await expectStatus(mount, [201, 202], `mount ${blob} into ${to.repository}`);
    if (mount.status === 201) return;
    // The registry declined the mount and opened an upload instead: move the bytes through this process.
    const location = new URL(mount.headers.get('location') ?? '', registryApiBase(to.host)).toString();
    const bytes = await (await expectStatus(await client(`/${from.repository}/blobs/${blob}`), [200], `read ${blob}`)).arrayBuffer();
    const put = await client(`${location}${location.includes('?') ? '&' : '?'}digest=${blob}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    await expectStatus(put, [201], `upload ${blob} into ${to.repository}`);
  };

  const copyManifest = async (ref: string, target: string): Promise<string> => {
    const got = await expectStatus(
      await client(`/${from.repository}/manifests/${ref}`, { headers: { accept: MANIFEST_TYPES.join(', ') } }),
      [200],
      `read ${from.host}/${from.repository}@${ref}`,
    );
    const mediaType = got.headers.get('content-type') ?? MANIFEST_TYPES[0];
    const bytes = Buffer.from(await got.arrayBuffer());
    const manifest = JSON.parse(bytes.toString('utf8')) as {
      config?: { digest: string };
      layers?: { digest: string }[];
      manifests?: { digest: string }[];
    };
    for (const child of manifest.manifests ?? []) await copyManifest(child.digest, child.digest);
    for (const blob of [manifest.config?.digest, ...(manifest.layers ?? []).map((l) => l.digest)]) if (blob) await copyBlob(blob);
    const put = await expectStatus(
      await client(`/${to.repository}/manifests/${target}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes }),
      [201],
      `put ${to.host}/${to.repository}:${target}`,
    );
    return put.headers.get('docker-content-digest') ?? ref;
  };

  const written = await copyManifest(digest, to.tag);
  if (written !== digest) {
    throw new RegistryError(`${to.host}/${to.repository}:${to.tag} names ${written} after the copy, not the staged ${digest}.`);
  }
  return written;
}
