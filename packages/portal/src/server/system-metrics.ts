// GET /system-metrics: RAM, CPU, disk, the workspace volume and the GPUs, in upstream's shape (§2.8) plus a per-GPU
// list. The reads (cgroup files, /proc, statfs, nvidia-smi) are here; a source that is missing is left out or null,
// never reported as zero.
import { execFile } from 'node:child_process';
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { cpus, totalmem, freemem } from 'node:os';
import { join } from 'node:path';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, summarizeGpus, type GpuReading } from './nvidia-smi';

export interface UsageFigure {
  total: number;
  used: number;
  percent: number | null;
}

export interface SystemMetrics {
  ram: UsageFigure;
  disk: UsageFigure;
  environment: 'container' | 'host';
  cpu: { percent: number | null; count: number };
  volume?: UsageFigure & { path: string };
  gpu: {
    count: number;
    avg_load_percent: number | null;
    memory_used: number | null;
    memory_total: number | null;
    memory_percent: number | null;
    memory_unit: 'MB';
    nvidia_count?: number;
    errors?: { nvidia?: string };
    /** Ours: each GPU as nvidia-smi reports it (fields it does not report are absent). */
    gpus: GpuReading[];
    summary: string;
  };
}

export interface MetricsSources {
  /** /sys/fs/cgroup, movable for specs. */
  cgroupDir: string;
  /** The workspace directory ($WORKSPACE, default /workspace). */
  workspace: string;
  /** The nvidia-smi to run; found on PATH when just a name. */
  nvidiaSmi: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** A cgroup byte limit that means something: not `max`, not 0, not the "unlimited" 2^63 page-rounded value. */
function realLimit(text: string | null, hostBytes: number): number | null {
  if (text === null || !/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return value > 0 && value < 1e15 && value < hostBytes ? value : null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const percentOf = (used: number, total: number) => (total > 0 ? round1((used / total) * 100) : null);

function readRam(cgroup: string): UsageFigure {
  const host = totalmem();
  const limit =
    realLimit(readText(join(cgroup, 'memory/memory.soft_limit_in_bytes')), host) ??
    realLimit(readText(join(cgroup, 'memory/memory.limit_in_bytes')), host) ??
    realLimit(readText(join(cgroup, 'memory.low')), host) ??
    realLimit(readText(join(cgroup, 'memory.max')), host);
  const usageText = readText(join(cgroup, 'memory/memory.usage_in_bytes')) ?? readText(join(cgroup, 'memory.current'));
  if (limit !== null && usageText !== null && /^[0-9]+$/.test(usageText)) {
    const used = Number(usageText);
    return { total: limit, used, percent: percentOf(used, limit) };
  }
  const used = host - freemem();
  return { total: host, used, percent: percentOf(used, host) };
}

function readDisk(path: string): UsageFigure | null {
  try {
    const stats = statfsSync(path);
    const total = stats.blocks * stats.bsize;
    const used = (stats.blocks - stats.bfree) * stats.bsize;
    return { total, used, percent: percentOf(used, total) };
  } catch {
    return null;
  }
}

/** CPU time used by the cgroup in microseconds, and how many cores it may use. */
function readCpuUsage(cgroup: string): { usageMicros: number | null; cores: number } {
  const hostCores = cpus().length || 1;
  let usageMicros: number | null = null;
  const stat = readText(join(cgroup, 'cpu.stat'));
  const v2 = stat?.match(/^usage_usec ([0-9]+)$/m);
  if (v2) usageMicros = Number(v2[1]);
  else {
    const v1 = readText(join(cgroup, 'cpuacct/cpuacct.usage')) ?? readText(join(cgroup, 'cpu,cpuacct/cpuacct.usage'));
    if (v1 && /^[0-9]+$/.test(v1)) usageMicros = Number(v1) / 1000;
  }
  let cores = hostCores;
  const max = readText(join(cgroup, 'cpu.max'))?.split(/\s+/);
  if (max && max[0] !== 'max' && Number(max[0]) > 0 && Number(max[1]) > 0) cores = Number(max[0]) / Number(max[1]);
  else {
    const quota = Number(readText(join(cgroup, 'cpu/cpu.cfs_quota_us')) ?? readText(join(cgroup, 'cpu,cpuacct/cpu.cfs_quota_us')));
    const period = Number(readText(join(cgroup, 'cpu/cpu.cfs_period_us')) ?? readText(join(cgroup, 'cpu,cpuacct/cpu.cfs_period_us')));
    if (quota > 0 && period > 0) cores = quota / period;
  }
  return { usageMicros, cores: Math.min(cores, hostCores) };
}

/** Host-wide busy and total jiffies from /proc/stat, the fallback when the cgroup has no usage counter. */
function readProcStat(): { busy: number; total: number } | null {
  const line = readText('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return null;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function runNvidiaSmi(command: string): Promise<{ gpus: GpuReading[]; error?: string }> {
  return new Promise((resolve) => {
    execFile(command, NVIDIA_SMI_ARGS, { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) {
        const reason =
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${command} is not installed (no NVIDIA driver in this container)`
            : (stderr || error.message).trim();
        resolve({ gpus: [], error: reason });
        return;
      }
      resolve({ gpus: parseNvidiaSmiCsv(stdout) });
    });
  });
}

export interface MetricsReader {
  read(): Promise<SystemMetrics>;
}

/**
 * CPU percent needs two samples: the reader keeps the previous one and reports null until it has a second, where
 * upstream reports 0 on the first call.
 */
export function createMetricsReader(sources: MetricsSources): MetricsReader {
  let previous: { at: number; usageMicros: number | null; proc: { busy: number; total: number } | null } | null = null;
  let lastPercent: number | null = null;

  const readCpu = (): { percent: number | null; count: number } => {
    const { usageMicros, cores } = readCpuUsage(sources.cgroupDir);
    const proc = usageMicros === null ? readProcStat() : null;
    const at = Date.now();
    if (previous && at - previous.at > 500) {
      if (usageMicros !== null && previous.usageMicros !== null) {
        const share = (usageMicros - previous.usageMicros) / ((at - previous.at) * 1000) / cores;
        lastPercent = round1(Math.min(100, Math.max(0, share * 100)));
      } else if (proc && previous.proc && proc.total > previous.proc.total) {
        lastPercent = round1(((proc.busy - previous.proc.busy) / (proc.total - previous.proc.total)) * 100);
      }
      previous = { at, usageMicros, proc };
    } else if (!previous) previous = { at, usageMicros, proc };
    return { percent: lastPercent, count: Math.max(1, Math.floor(cores)) };
  };

  return {
    async read() {
      const cgroup = sources.cgroupDir;
      const inContainer = readText(join(cgroup, 'memory/memory.limit_in_bytes')) !== null || readText(join(cgroup, 'memory.max')) !== null;
      const disk = readDisk('/') ?? { total: 0, used: 0, percent: null };
      const metrics: SystemMetrics = {
        ram: readRam(cgroup),
        disk,
        environment: inContainer ? 'container' : 'host',
        cpu: readCpu(),
        gpu: await readGpu(sources.nvidiaSmi),
      };
      const volume = readVolume(sources.workspace);
      if (volume) metrics.volume = volume;
      return metrics;
    },
  };
}

/** Upstream's test for "the workspace is a volume": a directory on another device than `/`. */
export function isSeparateVolume(path: string): boolean {
  try {
    return statSync(path).isDirectory() && statSync(path).dev !== statSync('/').dev;
  } catch {
    return false;
  }
}

function readVolume(workspace: string): (UsageFigure & { path: string }) | null {
  if (!isSeparateVolume(workspace)) return null;
  const figure = readDisk(workspace);
  return figure ? { path: workspace, ...figure } : null;
}

async function readGpu(nvidiaSmi: string): Promise<SystemMetrics['gpu']> {
  const { gpus, error } = await runNvidiaSmi(nvidiaSmi);
  const loads = gpus.map((g) => g.utilization_percent).filter((v): v is number => v !== undefined);
  const withMemory = gpus.filter((g) => g.memory_used_mb !== undefined && g.memory_total_mb !== undefined);
  const memoryUsed = withMemory.length ? withMemory.reduce((sum, g) => sum + g.memory_used_mb!, 0) : null;
  const memoryTotal = withMemory.length ? withMemory.reduce((sum, g) => sum + g.memory_total_mb!, 0) : null;
  const gpu: SystemMetrics['gpu'] = {
    count: gpus.length,
    avg_load_percent: loads.length ? round1(loads.reduce((a, b) => a + b, 0) / loads.length) : null,
    memory_used: memoryUsed,
    memory_total: memoryTotal,
    memory_percent: memoryUsed !== null && memoryTotal !== null ? percentOf(memoryUsed, memoryTotal) : null,
    memory_unit: 'MB',
    gpus,
    summary: summarizeGpus(gpus),
  };
  if (gpus.length) gpu.nvidia_count = gpus.length;
  if (error) gpu.errors = { nvidia: error };
  return gpu;
}
