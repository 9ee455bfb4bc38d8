// base-image's boot stage 12-cpu-thread-limits.sh, sourced by bash in library mode (as upstream's tests do) against
// scratch cgroup trees and a scratch /etc/environment: when it caps, to what, what it leaves alone, what it removes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CPU_THREAD_BLOCK, CPU_THREAD_VARIABLES } from './runtime-contract';

const STAGE = join(__dirname, '../../images/base-image/ROOT/etc/vast_boot.d/12-cpu-thread-limits.sh');
const VARS = CPU_THREAD_VARIABLES;
const { begin: BEGIN, end: END } = CPU_THREAD_BLOCK;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-threads-'));
  writeFileSync(join(dir, 'environment'), '# Template controlled environment for C.1\nPATH="/usr/bin:/bin"\n', { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cgroup(files: Record<string, string>): string {
  const root = join(dir, 'cgroup');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${content}\n`);
  }
  return root;
}

/** Sources the stage (library mode, under boot_default.sh's shell options), applies it, prints the caps it left set. */
function apply(root: string, nproc: number, env: Record<string, string> = {}) {
  const script = [
    'set -o pipefail -o errtrace',
    `_VAST_THREAD_HOOK_LIB_ONLY=1 . "${STAGE}"`,
    `cpu_threads_apply "$1" ${nproc} "$2" "$3"`,
    `for v in ${VARS.join(' ')}; do echo "$v=\${!v-unset}"; done`,
  ].join('\n');
  // --norc: bash reads ~/.bashrc when its stdin looks like a remote shell's socket, as node's pipes can.
  const run = spawnSync('bash', ['--norc', '-c', script, 'test', root, join(dir, 'environment'), join(dir, 'workspace.env')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...env },
  });
  const values = Object.fromEntries(
    run.stdout
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=') as [string, string]),
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, values, file: readFileSync(join(dir, 'environment'), 'utf8') };
}

const block = (lines: string[]) => [BEGIN, ...lines, END].join('\n') + '\n';

describe('12-cpu-thread-limits', { timeout: 60_000 }, () => {
  it('does nothing on a host whose pids budget is healthy or unlimited', () => {
    for (const root of [cgroup({ 'pids.max': 'max', 'cpu.max': 'max 100000' }), cgroup({ 'pids.max': '4096' })]) {
      const run = apply(root, 8);
      expect(run.status).toBe(0);
      expect(run.file).not.toContain(BEGIN);
      expect(Object.values(run.values)).toEqual(VARS.map(() => 'unset'));
    }
  });

  it('caps to the rounded CPU quota when pids.max < nproc*16 (v2), writes the block and exports it', () => {
    const run = apply(cgroup({ 'pids.max': '512', 'cpu.max': '350000 100000' }), 64);
    expect(run.stdout).toContain('[cpu-thread-limits] low pids budget (pids.max=512, nproc=64, quota=4) — capping thread pools to 4');
    expect(run.file.endsWith(block(VARS.map((v) => `${v}=4`)))).toBe(true);
    expect(Object.values(run.values)).toEqual(VARS.map(() => '4'));
  });

  it('reads cgroup v1 too, uses the ceiling with no quota, and keeps the cap within [2, ceiling]', () => {
    const v1 = cgroup({ 'pids/pids.max': '100', 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' });
    expect(apply(v1, 64).values.OMP_NUM_THREADS).toBe('16');
    expect(apply(v1, 64, { VAST_CPU_THREAD_CEILING: '6' }).values.OMP_NUM_THREADS).toBe('6');
    expect(apply(v1, 64, { VAST_CPU_THREAD_CEILING: 'lots' }).values.OMP_NUM_THREADS).toBe('16');
    const small = cgroup({ 'pids.max': '10', 'cpu.max': '20000 100000' });
    expect(apply(small, 4).values.OMP_NUM_THREADS).toBe('2');
  });

  it('never overrides a value the user set in /etc/environment or $WORKSPACE/.env', () => {
    writeFileSync(join(dir, 'environment'), 'OMP_NUM_THREADS="3"\n', { flag: 'a' });
    writeFileSync(join(dir, 'workspace.env'), 'export RAYON_NUM_THREADS=5\n');
    const run = apply(cgroup({ 'pids.max': '512', 'cpu.max': '800000 100000' }), 64, { OMP_NUM_THREADS: '3', RAYON_NUM_THREADS: '5' });
    expect(run.file).toContain('# OMP_NUM_THREADS: left at user/template value');
    expect(run.file).toContain('# RAYON_NUM_THREADS: left at user/template value');
    expect(run.values).toMatchObject({ OMP_NUM_THREADS: '3', RAYON_NUM_THREADS: '5', MKL_NUM_THREADS: '8' });
  });

  it('rebuilds the block each boot (one block), and removes it and its values on a healthy host', () => {
    const low = cgroup({ 'pids.max': '512', 'cpu.max': '400000 100000' });
    apply(low, 64);
    const again = apply(low, 64, { OMP_NUM_THREADS: '4' });
    expect(again.file.split(BEGIN).length).toBe(2);

    writeFileSync(join(low, 'pids.max'), 'max\n');
    const healthy = apply(low, 64, Object.fromEntries(VARS.map((v) => [v, '4'])));
    expect(healthy.stdout).toContain('[cpu-thread-limits] healthy pids budget');
    expect(healthy.file).not.toContain(BEGIN);
    expect(healthy.file).toContain('PATH="/usr/bin:/bin"');
    expect(Object.values(healthy.values)).toEqual(VARS.map(() => 'unset'));
    expect(healthy.stderr).toBe('');
  });
});
