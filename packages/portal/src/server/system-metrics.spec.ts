// RAM and CPU from cgroup files laid out as v1 and v2 mount them, in temp folders.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { totalmem } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-dir';
import { createMetricsReader } from './system-metrics';

const root = makeTempDir('portal-cgroup-');
afterAll(() => root.remove());

function cgroup(name: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    const path = root.file(`${name}/${file}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${text}\n`);
  }
  return root.file(name);
}

const reader = (cgroupDir: string) =>
  createMetricsReader({ cgroupDir, workspace: root.file('no-workspace'), nvidiaSmi: root.file('no-nvidia-smi') });
const GiB = 1024 ** 3;

describe('system metrics from cgroups', () => {
  it('v2: memory.max is the limit and memory.current the use; cpu.max gives the cores; a container', async () => {
    const dir = cgroup('v2', {
      'memory.max': String(2 * GiB),
      'memory.current': String(GiB / 2),
      'cpu.max': '150000 100000',
      'cpu.stat': 'usage_usec 1000\nuser_usec 900',
    });
    const metrics = await reader(dir).read();
    expect(metrics.environment).toBe('container');
    expect(metrics.ram).toEqual({ total: 2 * GiB, used: GiB / 2, percent: 25 });
    expect(metrics.cpu).toEqual({ percent: null, count: 1 }); // 1.5 cores -> 1, as upstream's int(); no second sample yet
  });

  it('v2 without a limit (max) falls back to the host memory', async () => {
    const dir = cgroup('v2-unlimited', { 'memory.max': 'max', 'memory.current': '1000' });
    const metrics = await reader(dir).read();
    expect(metrics.ram.total).toBe(totalmem());
  });

  it('v1: the soft limit wins over the hard one; an "unlimited" value is skipped', async () => {
    const dir = cgroup('v1', {
      'memory/memory.soft_limit_in_bytes': '9223372036854771712',
      'memory/memory.limit_in_bytes': String(GiB),
      'memory/memory.usage_in_bytes': String(GiB / 4),
    });
    expect((await reader(dir).read()).ram).toEqual({ total: GiB, used: GiB / 4, percent: 25 });
  });

  it('CPU percent is the usage delta over wall time and cores, after a second sample', async () => {
    const dir = cgroup('v2-cpu', { 'memory.max': 'max', 'cpu.max': '200000 100000', 'cpu.stat': 'usage_usec 0' });
    const metrics = reader(dir);
    expect((await metrics.read()).cpu.percent).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 600));
    // 0.6 s of CPU in at least 0.6 s of wall time, on two allowed cores: at most 50%, never 0 (no bound on the wall time).
    writeFileSync(root.file('v2-cpu/cpu.stat'), 'usage_usec 600000\n');
    const percent = (await metrics.read()).cpu.percent;
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThanOrEqual(50);
  });

  it('a host without cgroup files says host', async () => {
    expect((await reader(root.file('nothing')).read()).environment).toBe('host');
  });
});
