import { describe, expect, it } from 'vitest';
import { digestFor, isManifestMissing, manifestDigests, parseRemoteManifest, remoteManifestArgv } from './docker-commands';

// Captured from `docker manifest inspect --insecure --verbose` (docker 20.10) against docker-registry 2.8.
const verbose = JSON.stringify({
  Ref: '127.0.0.1:5799/vastai/tiny:1.0.0-x',
  Descriptor: {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    digest: 'sha256:4f4724b8f8efa7d2c975558bffadbc8d73e41f26f2a6464cbee226c3148ae25c',
    size: 523,
  },
  SchemaV2Manifest: {
    schemaVersion: 2,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 905,
      digest: 'sha256:ee332e53dda992f4b51e58e0a38c7d5debce607a7591ecd191708cf47ebefe55',
    },
  },
});

describe('parseRemoteManifest', () => {
  it('reads the manifest digest and the config digest', () => {
    expect(parseRemoteManifest(verbose)).toEqual({
      digest: 'sha256:4f4724b8f8efa7d2c975558bffadbc8d73e41f26f2a6464cbee226c3148ae25c',
      configDigest: 'sha256:ee332e53dda992f4b51e58e0a38c7d5debce607a7591ecd191708cf47ebefe55',
    });
  });

  it('gives a manifest list or garbage no config digest', () => {
    expect(parseRemoteManifest('[{"Descriptor":{"digest":"sha256:1"}}]')).toBeUndefined();
    expect(parseRemoteManifest('not json')).toBeUndefined();
  });
});

describe('docker command helpers', () => {
  it('passes --insecure only when asked', () => {
    expect(remoteManifestArgv('r/x:1', true)).toEqual(['manifest', 'inspect', '--insecure', '--verbose', 'r/x:1']);
    expect(remoteManifestArgv('r/x:1', false)).toEqual(['manifest', 'inspect', '--verbose', 'r/x:1']);
  });

  it('tells a missing tag from an unreachable registry', () => {
    expect(isManifestMissing('no such manifest: 127.0.0.1:5799/vastai/tiny:1.0.0-x')).toBe(true);
    expect(isManifestMissing('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused')).toBe(false);
  });

  it('finds the digest of the pushed repository among RepoDigests', () => {
    const json = '["vastai/tiny@sha256:1111","127.0.0.1:5799/vastai/tiny@sha256:4f47"]';
    expect(digestFor('127.0.0.1:5799/vastai/tiny:1.0.0-x', json)).toBe('sha256:4f47');
    expect(digestFor('127.0.0.1:5799/vastai/other:1', json)).toBeUndefined();
  });
});

describe('manifestDigests', () => {
  const entry = (digest: string, architecture: string) => ({
    Ref: `x@${digest}`,
    Descriptor: { digest, platform: { architecture, os: 'linux' } },
  });
  it('gives the one digest of a single-platform image', () => {
    expect(manifestDigests(JSON.stringify({ Descriptor: { digest: 'sha256:aa' } }))).toEqual(['sha256:aa']);
  });
  it('gives every platform digest of a manifest list, sorted', () => {
    expect(manifestDigests(JSON.stringify([entry('sha256:bb', 'arm64'), entry('sha256:aa', 'amd64')]))).toEqual(['sha256:aa', 'sha256:bb']);
  });
  it('gives nothing for output it cannot read', () => {
    expect(manifestDigests('not json')).toBeUndefined();
    expect(manifestDigests('{}')).toBeUndefined();
    expect(manifestDigests('[]')).toBeUndefined();
  });
});
