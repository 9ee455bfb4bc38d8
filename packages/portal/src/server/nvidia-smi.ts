// Parses `nvidia-smi --query-gpu=<NVIDIA_SMI_FIELDS> --format=csv,noheader,nounits`: one GPU per line. Pure.
// nvidia-smi prints `[N/A]` or `[Not Supported]` for a value the card or driver does not report; such a value is
// left out of the result rather than turned into a zero.

/** The fields asked for, in the order the CSV columns come back. */
export const NVIDIA_SMI_FIELDS = [
  'index',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;

export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

export interface GpuReading {
  index: number;
  name: string;
  /** Percent, 0-100. */
  utilization_percent?: number;
  /** MiB, as nvidia-smi reports memory (it calls them MiB). */
  memory_used_mb?: number;
  memory_total_mb?: number;
  temperature_c?: number;
  power_draw_w?: number;
  power_limit_w?: number;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('[')) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

export function parseNvidiaSmiCsv(text: string): GpuReading[] {
  const gpus: GpuReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells = line.split(',').map((cell) => cell.trim());
    // A GPU name never holds a comma in practice; if one did, the numbers are still the last six columns.
    const numbers = cells.slice(-6);
    const index = numberOrUndefined(cells[0]);
    if (index === undefined || cells.length < NVIDIA_SMI_FIELDS.length) continue;
    const name = cells.slice(1, cells.length - 6).join(', ');
    const [utilization, memoryUsed, memoryTotal, temperature, powerDraw, powerLimit] = numbers.map(numberOrUndefined);
    const reading: GpuReading = { index, name };
    if (utilization !== undefined) reading.utilization_percent = utilization;
    if (memoryUsed !== undefined) reading.memory_used_mb = memoryUsed;
    if (memoryTotal !== undefined) reading.memory_total_mb = memoryTotal;
    if (temperature !== undefined) reading.temperature_c = temperature;
    if (powerDraw !== undefined) reading.power_draw_w = powerDraw;
    if (powerLimit !== undefined) reading.power_limit_w = powerLimit;
    gpus.push(reading);
  }
  return gpus;
}

/** Upstream's GPU summary string: `<n>× <name>` per distinct name, joined by `, `; `No GPU detected` without one. */
export function summarizeGpus(gpus: readonly GpuReading[]): string {
  if (gpus.length === 0) return 'No GPU detected';
  const counts = new Map<string, number>();
  for (const gpu of gpus) counts.set(gpu.name, (counts.get(gpu.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${n}× ${name}`).join(', ');
}
