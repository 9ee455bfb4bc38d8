// The shipped bundle runs on its own: built into a folder outside the workspace (no node_modules to lean on), then
// executed as base-image's wrapper runs it, with upstream's CLI and exit codes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the provisioner bundle', () => {
  let dir: string;
  let bundle: string;
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bundle, ...args], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        PROVISIONER_STATE_DIR: join(dir, 'state'),
        PROVISIONER_LOG_FILE: join(dir, 'log/portal/provisioning.log'),
        PROVISIONER_PROGRESS_FILE: join(dir, 'progress.json'),
        ...env,
      },
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-bundle-'));
    execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], {
      env: { ...process.env, PROVISIONER_BUILD_OUTDIR: join(dir, 'lib') },
      stdio: 'pipe',
    });
    bundle = join(dir, 'lib/provisioner.cjs');
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one self-contained CommonJS file with a node shebang', () => {
    const text = readFileSync(bundle, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).not.toMatch(/require\("(@vast\/conventions|yaml|zod)"\)/);
  });

  it('runs a manifest with --dry-run, exits 0, and logs what it would do', () => {
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\napt_packages: [jq]\n');
    const result = run([join(dir, 'm.yaml'), '--dry-run']);
    expect(result.stdout).toMatch(/\[INFO\] \[DRY RUN\] apt-get install -y -qq --no-install-recommends jq\n/);
    expect(result.status).toBe(0);
  });

  it('exits 1 on an invalid manifest, naming the key path, and 2 on a bad option', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\naptpackages: [jq]\n');
    const bad = run([join(dir, 'bad.yaml')]);
    expect(bad.stdout).toContain('bad.yaml: aptpackages: is not a key here.');
    expect(bad.status).toBe(1);
    const option = run(['--frobnicate']);
    expect(option.stderr).toContain('usage: provisioner [manifest|URL] [--dry-run] [--force]');
    expect(option.status).toBe(2);
  });

  it('exits 78 when --force meets a state directory it does not own', () => {
    mkdirSync(join(dir, 'foreign'));
    writeFileSync(join(dir, 'foreign/data.txt'), 'keep');
    writeFileSync(join(dir, 'm.yaml'), 'version: 1\n');
    const result = run([join(dir, 'm.yaml'), '--force'], { PROVISIONER_STATE_DIR: join(dir, 'foreign') });
    expect(result.status).toBe(78);
    expect(readFileSync(join(dir, 'foreign/data.txt'), 'utf8')).toBe('keep');
  });
});
