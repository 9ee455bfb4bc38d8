import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv, summarizeGpus } from './nvidia-smi';

// Recorded from nvidia-smi 550.x with the NVIDIA_SMI_ARGS query (two cards, one idle, one without power readings).
const TWO_GPUS = `0, NVIDIA GeForce RTX 4090, 37, 20311, 24564, 61, 283.45, 450.00
1, NVIDIA GeForce RTX 4090, 0, 1, 24564, 34, [N/A], [Not Supported]
`;

describe('parseNvidiaSmiCsv', () => {
  it('reads every GPU and leaves out values the driver does not report', () => {
    expect(parseNvidiaSmiCsv(TWO_GPUS)).toEqual([
      {
        index: 0,
        name: 'NVIDIA GeForce RTX 4090',
        utilization_percent: 37,
        memory_used_mb: 20311,
        memory_total_mb: 24564,
        temperature_c: 61,
        power_draw_w: 283.45,
        power_limit_w: 450,
      },
      { index: 1, name: 'NVIDIA GeForce RTX 4090', utilization_percent: 0, memory_used_mb: 1, memory_total_mb: 24564, temperature_c: 34 },
    ]);
  });

  it('reads a name holding a comma and ignores blank and malformed lines', () => {
    const text = '\r\n0, Tesla V100-SXM2-16GB, rev A, 5, 100, 16160, 40, 55.1, 300.0\r\nNo devices were found\r\n';
    expect(parseNvidiaSmiCsv(text)).toEqual([
      {
        index: 0,
        name: 'Tesla V100-SXM2-16GB, rev A',
        utilization_percent: 5,
        memory_used_mb: 100,
        memory_total_mb: 16160,
        temperature_c: 40,
        power_draw_w: 55.1,
        power_limit_w: 300,
      },
    ]);
  });

  it('summarizes like upstream', () => {
    expect(summarizeGpus(parseNvidiaSmiCsv(TWO_GPUS))).toBe('2× NVIDIA GeForce RTX 4090');
    expect(summarizeGpus([])).toBe('No GPU detected');
  });
});
