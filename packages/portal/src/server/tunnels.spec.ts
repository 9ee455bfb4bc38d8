// The tunnel manager against a stand-in cloudflared (a script first in line, execa's fixtures pattern) and a
// stand-in of cloudflared's metrics server for the named tunnel.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../testing/free-port';
import { makeTempDir } from '../testing/temp-dir';
import { createTunnelManager, type TunnelSettings } from './tunnels';

const dir = makeTempDir('portal-tunnels-');
afterAll(() => dir.remove());

/** Records its arguments, prints cloudflared's quick-tunnel line (unless told to fail), then runs until stopped. */
function fakeCloudflared(behaviour: 'ok' | 'fail'): string {
  const path = dir.file(`cloudflared-${behaviour}`);
  writeFileSync(
    path,
    `#!/bin/sh
echo "$*" >> "${dir.file('calls')}"
case "$*" in *" run --token "*) exec sleep 300 ;; esac
${
  behaviour === 'fail'
    ? 'echo "2024-05-01T10:00:02Z ERR Error unmarshaling QuickTunnel response: error code: 1015" >&2; exit 1'
    : 'echo "2024-05-01T10:00:03Z INF |  https://default-$$-words.trycloudflare.com   |" >&2; exec sleep 300'
}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

const settings = (cloudflared: string, extra: Partial<TunnelSettings> = {}): TunnelSettings => ({
  cloudflared,
  path: process.env.PATH,
  namedTunnelToken: null,
  metricsAddress: '127.0.0.1:1',
  startTimeoutMs: 5000,
  env: { PATH: process.env.PATH },
  ...extra,
});

describe('tunnel manager', () => {
  it('starts the default tunnels, one per target, with upstream’s arguments', async () => {
    const manager = createTunnelManager(settings(fakeCloudflared('ok')));
    try {
      manager.startDefaults(['http://localhost:1111', 'localhost:8080']);
      await expect
        .poll(() => manager.allQuick().map((t) => t.targetUrl), { timeout: 10_000 })
        .toEqual(['http://localhost:1111', 'localhost:8080']);
      const calls = readFileSync(dir.file('calls'), 'utf8').trim().split('\n');
      expect(calls).toEqual([
        '--no-autoupdate --no-tls-verify --url http://localhost:1111',
        '--no-autoupdate --no-tls-verify --url http://localhost:8080',
      ]);
    } finally {
      await manager.close();
    }
  });

  it('reports cloudflared’s own error when a tunnel does not come up, and keeps nothing', async () => {
    const manager = createTunnelManager(settings(fakeCloudflared('fail')));
    try {
      await expect(manager.getOrCreateQuick('http://localhost:1111')).rejects.toThrow(/code 1\).*error code: 1015/);
      expect(manager.allQuick()).toEqual([]);
      expect(manager.existingQuick('http://localhost:1111')).toBeNull();
    } finally {
      await manager.close();
    }
  });

  it('reads the named tunnel’s ingress from its metrics server', async () => {
    const metrics = createServer((req, res) => {
      if (req.url !== '/config') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          version: 2,
          config: { ingress: [{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }, { service: 'http_status:404' }] },
        }),
      );
    });
    const port = await listenOnLoopback(metrics);
    const manager = createTunnelManager(settings(fakeCloudflared('ok'), { namedTunnelToken: 'tok', metricsAddress: `127.0.0.1:${port}` }));
    try {
      expect(await manager.namedIngress()).toEqual([{ hostname: 'comfy.example.com', service: 'http://localhost:18188' }]);
      expect(await manager.namedForPort(18188)).toBe('https://comfy.example.com');
      expect(await manager.namedForPort(8080)).toBeNull();
      await expect
        .poll(() => readFileSync(dir.file('calls'), 'utf8'))
        .toContain(`--no-autoupdate tunnel --metrics 127.0.0.1:${port} run --token tok`);
    } finally {
      await manager.close();
      await closeServer(metrics);
    }
  });

  it('says why when cloudflared is missing', async () => {
    const manager = createTunnelManager(settings('cloudflared', { path: dir.file('empty-path') }));
    expect(manager.unavailableReason()).toMatch(/^tunnels unavailable: cloudflared is not on PATH/);
    await expect(manager.getOrCreateQuick('http://localhost:1111')).rejects.toThrow(/tunnels unavailable/);
    manager.startDefaults(['http://localhost:1111']);
    expect(manager.allQuick()).toEqual([]);
    await manager.close();
  });
});
