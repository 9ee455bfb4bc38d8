// docker-build's cache registry lookups (the plugin's registry HTTP client, no docker process per lookup) against a
// real registry: Debian's docker-registry on a free loopback port. Images are put in through the registry API itself
// (a config blob and a manifest), so no Docker engine is needed; e2e/base-image/cache-registry.spec.ts covers images
// docker pushed. Needs: apt-get install -y docker-registry.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lookupManifest } from '@vast/plugin/testing';
import { freePort } from '@vast/portal/testing';
import { registryForTests } from '../support/registry-for-tests';

const registry = registryForTests('vast-cache-lookups-');
const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Uploads `bytes` as a blob of `repository` (one monolithic upload); returns its digest. */
async function putBlob(repository: string, bytes: Buffer): Promise<string> {
  const base = `http://${registry().host}`;
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const location = new URL(start.headers.get('location') as string, base);
  location.searchParams.set('digest', digestOf(bytes));
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  expect(put.status, await put.text()).toBe(201);
  return digestOf(bytes);
}

/** Puts a manifest under `repository:tag`; returns the digest the registry answers with. */
async function putManifest(repository: string, tag: string, mediaType: string, manifest: object): Promise<string> {
  const put = await fetch(`http://${registry().host}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: JSON.stringify(manifest),
  });
  expect(put.status, await put.text()).toBe(201);
  return put.headers.get('docker-content-digest') as string;
}

/** A single-platform image with no layers: its config blob's digest is what the engine would call its image id. */
async function putImage(repository: string, tag: string, content: string) {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Env: [content] } }),
  );
  const configDigest = await putBlob(repository, config);
  const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const digest = await putManifest(repository, tag, mediaType, {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [],
  });
  return { configDigest, digest };
}

describe('cache registry lookups over HTTP, against docker-registry', () => {
  it('reads a single image: the manifest digest the registry serves and the config digest (the image id)', async () => {
    const image = await putImage('vastai/base-image', 'build-0123456789ab', 'one');
    expect(await lookupManifest(`${registry().host}/vastai/base-image:build-0123456789ab`)).toEqual({
      kind: 'found',
      manifest: { digest: image.digest, configDigest: image.configDigest },
    });
  });

  it('reads a multi-platform index as found with no config digest, so it never counts as the image itself', async () => {
    const one = await putImage('vastai/multi', 'amd64', 'amd64');
    const mediaType = 'application/vnd.oci.image.index.v1+json';
    const digest = await putManifest('vastai/multi', 'build-aaaaaaaaaaaa', mediaType, {
      schemaVersion: 2,
      mediaType,
      manifests: [
        {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          digest: one.digest,
          size: 400,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    });
    expect(await lookupManifest(`${registry().host}/vastai/multi:build-aaaaaaaaaaaa`)).toEqual({ kind: 'found', manifest: { digest } });
  });

  it('says absent for a tag or a repository the registry does not hold', async () => {
    expect(await lookupManifest(`${registry().host}/vastai/base-image:build-ffffffffffff`)).toEqual({ kind: 'absent' });
    expect(await lookupManifest(`${registry().host}/vastai/never-pushed:build-ffffffffffff`)).toEqual({ kind: 'absent' });
  });

  it('says why when nothing answers, naming the address it asked', async () => {
    const port = await freePort();
    const lookup = await lookupManifest(`127.0.0.1:${port}/vastai/base-image:build-0123456789ab`);
    expect(lookup).toEqual({ kind: 'failed', reason: `http://127.0.0.1:${port}/v2: ECONNREFUSED` });
  });

  it('answers 200 lookups of one family, found and absent mixed, each with what the registry holds', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, (_, i) => putImage(`vastai/gen-${i}`, 'build-000000000001', `gen-${i}`)));
    const refs = Array.from({ length: 200 }, (_, i) => `${registry().host}/vastai/gen-${i % 40}:build-000000000001`);
    const lookups = await Promise.all(refs.map((ref) => lookupManifest(ref)));
    lookups.forEach((lookup, i) => {
      const image = held[i % 40];
      expect(lookup, refs[i]).toEqual(
        image ? { kind: 'found', manifest: { digest: image.digest, configDigest: image.configDigest } } : { kind: 'absent' },
      );
    });
  });
});
