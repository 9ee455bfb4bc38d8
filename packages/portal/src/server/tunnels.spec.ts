// The tunnel manager against the stand-in cloudflared (testing/fake-cloudflared.cjs, first in line as execa's fixtures
// are): quick tunnels, and the named tunnel with the metrics server it serves.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_CLOUDFLARED } from '../testing/fake-cloudflared';
import { freePort } from '../testing/free-port';
import { makeTempDir } from '../testing/temp-dir';
import { createTunnelManager, type TunnelSettings } from './tunnels';

const dir = makeTempDir('portal-tunnels-');
afterAll(() => dir.remove());

const settings = (extra: Partial<TunnelSettings> = {}, env: Record<string, string> = {}): TunnelSettings => ({
  cloudflared: FAKE_CLOUDFLARED,
  path: process.env.PATH,
  namedTunnelToken: null,
  metricsAddress: '127.0.0.1:1',
  startTimeoutMs: 5000,
  env: { PATH: process.env.PATH, FAKE_CLOUDFLARED_CALLS: dir.file('calls'), ...env },
  ...extra,
});

const calls = () => readFileSync(dir.file('calls'), 'utf8').trim().split('\n');

describe('tunnel manager', () => {
  it('starts the default tunnels, one per target, with upstream’s arguments', async () => {
    const manager = createTunnelManager(settings());
    try {
      manager.startDefaults(['http://localhost:1111', 'localhost:8080']);
      await expect
        .poll(() => manager.allQuick().map((t) => t.targetUrl), { timeout: 10_000 })
        .toEqual(['http://localhost:1111', 'localhost:8080']);
      expect(calls()).toEqual([
        '--no-autoupdate --no-tls-verify --url http://localhost:1111',
        '--no-autoupdate --no-tls-verify --url http://localhost:8080',
      ]);
    } finally {
      await manager.close();
    }
  });

  it('reports cloudflared’s own error when a tunnel does not come up, and keeps nothing', async () => {
    const manager = createTunnelManager(settings({}, { FAKE_CLOUDFLARED_QUICK: 'fail' }));
    try {
      await expect(manager.getOrCreateQuick('http://localhost:1111')).rejects.toThrow(/code 1\).*error code: 1015/);
      expect(manager.allQuick()).toEqual([]);
      expect(manager.existingQuick('http://localhost:1111')).toBeNull();
    } finally {
      await manager.close();
    }
  });

  it('runs the named tunnel of the token, reads its ingress from its metrics server and its state from its output', async () => {
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const ingress = [{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }];
    const manager = createTunnelManager(
      settings({ namedTunnelToken: 'tok', metricsAddress }, { FAKE_CLOUDFLARED_INGRESS: JSON.stringify(ingress) }),
    );
    try {
      expect(manager.namedStatus()?.state).toBe('starting');
      await expect.poll(() => manager.namedStatus()?.connections.length, { timeout: 10_000 }).toBe(4);
      expect(manager.namedStatus()).toMatchObject({ state: 'connected', error: null, ingress });
      expect(await manager.namedIngress()).toEqual(ingress);
      expect(await manager.namedForPort(18188)).toBe('https://comfy.example.com');
      expect(await manager.namedForPort(8080)).toBeNull();
      expect(calls()).toContain(`--no-autoupdate tunnel --metrics ${metricsAddress} run --token tok`);
    } finally {
      await manager.close();
    }
  });

  it('says why the named tunnel ended when cloudflared refuses the token', async () => {
    const manager = createTunnelManager(settings({ namedTunnelToken: 'not-a-token' }, { FAKE_CLOUDFLARED_NAMED: 'invalid-token' }));
    try {
      await expect.poll(() => manager.namedStatus()?.state, { timeout: 10_000 }).toBe('exited');
      expect(manager.namedStatus()?.error).toBe('Provided Tunnel token is not valid. (exited (code 1))');
      expect(await manager.namedIngress()).toBeNull();
    } finally {
      await manager.close();
    }
  });

  it('has no named tunnel without CF_TUNNEL_TOKEN', async () => {
    const manager = createTunnelManager(settings());
    expect(manager.namedStatus()).toBeNull();
    expect(await manager.namedIngress()).toBeNull();
    await manager.close();
  });

  it('says why when cloudflared is missing', async () => {
    const manager = createTunnelManager(settings({ cloudflared: 'cloudflared', path: dir.file('empty-path'), namedTunnelToken: 'tok' }));
    expect(manager.unavailableReason()).toMatch(/^tunnels unavailable: cloudflared is not on PATH/);
    expect(manager.namedStatus()).toBeNull();
    await expect(manager.getOrCreateQuick('http://localhost:1111')).rejects.toThrow(/tunnels unavailable/);
    manager.startDefaults(['http://localhost:1111']);
    expect(manager.allQuick()).toEqual([]);
    await manager.close();
  });
});
