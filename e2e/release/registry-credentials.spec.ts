// Credential helpers, for real: Debian's docker-registry behind htpasswd (Basic) auth on loopback, a docker config in a
// temp folder naming a helper (credHelpers, or credsStore), and the helpers themselves: small scripts put first on PATH
// that answer docker-credential-helpers' `get` protocol (the server address on stdin, {ServerURL, Username, Secret} on
// stdout, "credentials not found" and exit 1 when the store has none). docker-push's registry check and promotion's
// copy ask the helper and send what it answers; a helper that is missing, fails, has nothing or holds a stale password
// is named with its config.json and the fix. Needs: apt-get install -y docker-registry (no Docker engine).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkRegistryAccess, copyManifestByDigest } from '@vast/plugin/testing';
import { registryForTests } from '../support/registry-for-tests';

const user = { username: 'vast-release', password: randomBytes(12).toString('hex') };
const reg = registryForTests('release-credentials-', { user });

let bin: string;
let configDir: string;
let helperLog: string;
let env: NodeJS.ProcessEnv;
const host = () => reg().host;
const configFile = () => join(configDir, 'config.json');
const writeConfig = (config: object) => writeFileSync(configFile(), JSON.stringify(config));

/**
 * A credential helper docker-credential-<name>: logs the server address it was asked for, then answers as `answer`
 * says: the registry's user with `password`, "not found", or a failure of its own.
 */
function writeHelper(name: string, answer: { password: string } | 'not-found' | 'fails'): void {
  const body =
    answer === 'not-found'
      ? 'echo "credentials not found in native keychain"\nexit 1'
      : answer === 'fails'
        ? 'echo "gpg: decryption failed: No secret key" >&2\nexit 1'
        : [
            `if [[ "\${server}" == '${host()}' ]]; then`,
            `  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "\${server}" '${user.username}' '${answer.password}'`,
            'else',
            '  echo "credentials not found in native keychain"',
            '  exit 1',
            'fi',
          ].join('\n');
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(
    file,
    [
      '#!/bin/bash',
      `# Test credential helper '${name}': answers docker-credential-helpers' get for the test registry.`,
      'set -euo pipefail',
      '[[ "${1:-}" == get ]] || { echo "unsupported: ${1:-}" >&2; exit 2; }',
      // The CLI writes the address without a newline, as docker-credential-helpers' client does.
      'server="$(cat)"',
      `echo "${name} \${server}" >> '${helperLog}'`,
      body,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
}
const askedHelpers = () => (existsSync(helperLog) ? readFileSync(helperLog, 'utf8').trim().split('\n') : []);

beforeAll(() => {
  const dir = join(reg().dir, 'client');
  bin = join(dir, 'bin');
  configDir = join(dir, 'docker');
  helperLog = join(dir, 'helpers.log');
  mkdirSync(bin, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  writeHelper('e2e-good', { password: user.password });
  writeHelper('e2e-stale', { password: 'an-old-password' });
  writeHelper('e2e-empty', 'not-found');
  writeHelper('e2e-broken', 'fails');
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DOCKER_CONFIG: configDir };
});

describe("docker-push's registry check against a registry behind htpasswd", () => {
  it('refuses when the docker CLI has no credentials for it, naming config.json and docker login', async () => {
    writeConfig({ auths: { 'quay.io': { auth: 'eDp5' } } });
    expect(await checkRegistryAccess(host(), env)).toEqual([
      `registry ${host()}: asks for credentials (GET http://${host()}/v2/ answered 401) and the docker CLI has none for ${host()} in ${configFile()}. Run docker login ${host()}, then run again.`,
    ]);
  });

  it("credHelpers: asks the host's helper with the host on stdin, and its credentials open the registry", async () => {
    rmSync(helperLog, { force: true });
    // The helper named for this host wins over credsStore, as in the docker CLI.
    writeConfig({ credsStore: 'e2e-broken', credHelpers: { [host()]: 'e2e-good', 'quay.io': 'e2e-broken' } });
    expect(await checkRegistryAccess(host(), env)).toEqual([]);
    expect(askedHelpers()).toEqual([`e2e-good ${host()}`]);
  });

  it('credsStore: the store helper answers for every registry; a store with nothing for this one is named', async () => {
    writeConfig({ credsStore: 'e2e-good' });
    expect(await checkRegistryAccess(host(), env)).toEqual([]);
    writeConfig({ credsStore: 'e2e-empty', auths: { [host()]: {} } });
    expect(await checkRegistryAccess(host(), env)).toEqual([
      `registry ${host()}: asks for credentials (GET http://${host()}/v2/ answered 401) and the docker CLI has none for ${host()} in docker-credential-e2e-empty (credsStore in ${configFile()}). Run docker login ${host()}, then run again.`,
    ]);
  });

  it('names a helper whose password the registry refuses, a helper that fails, and one not on PATH, each with the fix', async () => {
    writeConfig({ credHelpers: { [host()]: 'e2e-stale' } });
    expect(await checkRegistryAccess(host(), env)).toEqual([
      `registry ${host()}: refuses the credentials of user '${user.username}' from docker-credential-e2e-stale (credHelpers in ${configFile()}) (GET http://${host()}/v2/ answered 401 with them). Run docker login ${host()} again (or fix what the helper stores for ${host()}), then run again.`,
    ]);
    writeConfig({ credHelpers: { [host()]: 'e2e-broken' } });
    expect(await checkRegistryAccess(host(), env)).toEqual([
      `registry ${host()}: docker-credential-e2e-broken (credHelpers in ${configFile()}): \`docker-credential-e2e-broken get\` for ${host()} exited with 1 (gpg: decryption failed: No secret key). Fix the helper (try: echo ${host()} | docker-credential-e2e-broken get), or remove "${host()}" from credHelpers in ${configFile()} and run docker login ${host()}, then run again.`,
    ]);
    writeConfig({ credsStore: 'e2e-missing' });
    expect(await checkRegistryAccess(host(), env)).toEqual([
      `registry ${host()}: docker-credential-e2e-missing (credsStore in ${configFile()}) is the credential helper for it, and docker-credential-e2e-missing is not on PATH. Install docker-credential-e2e-missing, or remove credsStore from ${configFile()} and run docker login ${host()}, then run again.`,
    ]);
  });
});

describe("promotion's copy by digest, authenticated through a credential helper", () => {
  /** Puts a blob into `repository` as the registry's user (the upload API: POST, then PUT with the digest). */
  async function putBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const headers = { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` };
    const start = await fetch(`http://${host()}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get('location') as string, `http://${host()}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    expect(put.status).toBe(201);
    return digest;
  }

  it('copies a staged manifest to a release tag of another repository: the tag names the staged digest', async () => {
    const staged = 'staging/vastai/credentials-e2e';
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = randomBytes(64);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: await putBlob(staged, config) },
        layers: [
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: await putBlob(staged, layer) },
        ],
      }),
    );
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const put = await fetch(`http://${host()}/v2/${staged}/manifests/staging-e2e`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
        'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
      },
      body: new Uint8Array(manifest),
    });
    expect(put.status).toBe(201);

    rmSync(helperLog, { force: true });
    writeConfig({ credHelpers: { [host()]: 'e2e-good' } });
    const written = await copyManifestByDigest(
      { host: host(), repository: staged },
      digest,
      { host: host(), repository: 'vastai/credentials-e2e', tag: '1.0.0-local' },
      env,
    );
    expect(written).toBe(digest);
    expect(await reg().digest('vastai/credentials-e2e', '1.0.0-local')).toBe(digest);
    expect(askedHelpers()).toEqual([`e2e-good ${host()}`]);

    // Without the helper's answer the registry refuses the copy, and the error says where credentials were looked for.
    writeConfig({ credsStore: 'e2e-empty' });
    await expect(
      copyManifestByDigest(
        { host: host(), repository: staged },
        digest,
        { host: host(), repository: 'vastai/credentials-e2e', tag: 'x' },
        env,
      ),
    ).rejects.toThrow(
      `registry ${host()}: asks for Basic credentials and the docker CLI has none in docker-credential-e2e-empty (credsStore in ${configFile()}). Run docker login ${host()}, then run again.`,
    );
  });
});
