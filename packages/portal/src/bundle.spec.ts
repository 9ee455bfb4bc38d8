// The shipped bundles run on their own: built into a folder outside the workspace (no node_modules to lean on),
// then executed as base-image runs them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from './testing/free-port';
import { makeTempDir, type TempDir } from './testing/temp-dir';

describe('the bundles', () => {
  let dir: TempDir;
  let out: string;

  beforeAll(() => {
    dir = makeTempDir('portal-bundle-');
    out = dir.file('opt-portal');
    execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], {
      env: { ...process.env, PORTAL_BUILD_OUTDIR: out },
      stdio: 'pipe',
    });
  }, 60_000);
  afterAll(() => dir?.remove());

  it('are self-contained CommonJS files with a node shebang', () => {
    for (const file of ['portal-config.cjs', 'portal-auth.cjs', 'portal.cjs']) {
      const text = readFileSync(join(out, file), 'utf8');
      expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(text).not.toMatch(/require\("(@vast\/conventions|yaml|zod)"\)/);
    }
    expect(readFileSync(join(out, 'public/index.html'), 'utf8')).toContain('app.js');
  });

  it('portal-config.cjs writes both files and exits 0, or explains and exits 1', () => {
    const env = {
      PATH: process.env.PATH,
      PORTAL_YAML_PATH: dir.file('portal.yaml'),
      PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
      PORTAL_AUTH_PATH: dir.file('portal-auth.json'),
      PORTAL_CREDENTIALS_PATH: dir.file('portal-credentials'),
      OPEN_BUTTON_TOKEN: 'abc0123456789def',
    };
    const good = spawnSync(process.execPath, [join(out, 'portal-config.cjs')], {
      cwd: dir.path,
      env: { ...env, PORTAL_CONFIG: 'localhost:1111:11111:/:Instance Portal' },
      encoding: 'utf8',
    });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(readFileSync(dir.file('Caddyfile'), 'utf8')).toContain(':1111 {');
    const bad = spawnSync(process.execPath, [join(out, 'portal-config.cjs')], {
      cwd: dir.path,
      env: { ...env, PORTAL_YAML_PATH: dir.file('other.yaml'), PORTAL_CONFIG: 'localhost:1111:11111:/:A|B' },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^portal-config: PORTAL_CONFIG: entry 2 "B" has 1 of the 5/);
  });

  it('portal.cjs serves the page and the API from its own public/ folder', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(out, 'portal.cjs')], {
      cwd: dir.path,
      env: {
        PATH: process.env.PATH,
        PORTAL_PORT: String(port),
        PORTAL_YAML_PATH: dir.file('portal.yaml'),
        PORTAL_SUPERVISOR_SOCKET: dir.file('none.sock'),
      },
      stdio: 'ignore',
    });
    try {
      await waitForPort(port);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      const apps = (await (await fetch(`http://127.0.0.1:${port}/api/applications`)).json()) as { applications: Array<{ label: string }> };
      expect(apps.applications.map((a) => a.label)).toEqual(['Instance Portal']);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('portal-auth.cjs answers forward_auth from the file portal-config.cjs wrote', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(out, 'portal-auth.cjs')], {
      cwd: dir.path,
      env: { PATH: process.env.PATH, PORTAL_AUTH_PORT: String(port), PORTAL_AUTH_PATH: dir.file('portal-auth.json') },
      stdio: 'ignore',
    });
    try {
      await waitForPort(port);
      const check = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/auth/check`, { headers }).then((r) => r.status);
      expect(await check({})).toBe(401);
      expect(await check({ authorization: 'Bearer abc0123456789def' })).toBe(200);
      expect(await check({ authorization: 'Bearer abc0123456789deX' })).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
