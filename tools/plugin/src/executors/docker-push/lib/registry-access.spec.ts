// The registry check docker-push runs before anything moves, against small registries on loopback that answer the
// API's version check with 200, or 401 unless given user u's password p, and a closed port. Credentials come from a
// docker config in a temp folder (credential helpers against a real registry: e2e/release/registry-credentials.spec.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRegistryAccess, versionCheckUrl } from './registry-access';

function versionCheckServer(status: number): Promise<Server> {
  const server = createServer((req, res) => {
    const allowed = status === 401 && req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`;
    res.statusCode = req.url === '/v2/' ? (allowed ? 200 : status) : 404;
    if (res.statusCode === 401) res.setHeader('WWW-Authenticate', 'Basic realm="test"');
    res.end('{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const hostOf = (server: Server) => `127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('versionCheckUrl', () => {
  it('asks loopback registries over HTTP and Docker Hub at its API host', () => {
    expect(versionCheckUrl('127.0.0.1:5000/ns')).toBe('http://127.0.0.1:5000/v2/');
    expect(versionCheckUrl('docker.io/vastai')).toBe('https://registry-1.docker.io/v2/');
    expect(versionCheckUrl('ghcr.io/vast-ai')).toBe('https://ghcr.io/v2/');
  });
});

describe('checkRegistryAccess', () => {
  let open: Server;
  let locked: Server;
  let configDir: string;

  beforeAll(async () => {
    open = await versionCheckServer(200);
    locked = await versionCheckServer(401);
    configDir = mkdtempSync(join(tmpdir(), 'push-docker-config-'));
  });
  afterAll(() => {
    open.close();
    locked.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('passes a registry that answers and needs no login', async () => {
    expect(await checkRegistryAccess(`${hostOf(open)}/ns`, { DOCKER_CONFIG: configDir })).toEqual([]);
  });

  it('refuses a registry that asks for credentials the docker CLI does not have, and passes once it has them', async () => {
    const host = hostOf(locked);
    expect(await checkRegistryAccess(host, { DOCKER_CONFIG: configDir })).toEqual([
      `registry ${host}: asks for credentials (GET http://${host}/v2/ answered 401) and the docker CLI has none for ${host} in ${join(configDir, 'config.json')}. Run docker login ${host}, then run again.`,
    ]);
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from('u:p').toString('base64') } } }));
    expect(await checkRegistryAccess(host, { DOCKER_CONFIG: configDir })).toEqual([]);
  });

  it('refuses credentials the registry does not take, naming the user and where they came from', async () => {
    const host = hostOf(locked);
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ auths: { [host]: { auth: Buffer.from('u:wrong').toString('base64') } } }),
    );
    expect(await checkRegistryAccess(host, { DOCKER_CONFIG: configDir })).toEqual([
      `registry ${host}: refuses the credentials of user 'u' from auths["${host}"] in ${join(configDir, 'config.json')} (GET http://${host}/v2/ answered 401 with them). Run docker login ${host} again (or fix what the helper stores for ${host}), then run again.`,
    ]);
  });

  it('refuses a registry nothing answers for', async () => {
    const closed = await versionCheckServer(200);
    const host = hostOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkRegistryAccess(host, { DOCKER_CONFIG: configDir })).toEqual([
      `registry ${host}: GET http://${host}/v2/ failed (ECONNREFUSED). Start the registry or fix --registry / VAST_REGISTRY, then run again.`,
    ]);
  });
});
