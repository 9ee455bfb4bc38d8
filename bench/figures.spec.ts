// The pure pieces of the bench: ratio text, target verdicts and the shape of bench/out/latest.json.
import { describe, expect, it } from 'vitest';
import { formatFigure, latestJson, ratioFigure, times } from './figures';

describe('bench figures', () => {
  it('writes a ratio with two decimals, and n/a rather than Infinity for a zero baseline', () => {
    expect(times(3000, 1000)).toBe('3.00x');
    expect(times(1234, 1000)).toBe('1.23x');
    expect(times(1000, 0)).toBe('n/a');
  });

  it('judges a ratio against its target and prints the verdict', () => {
    const within = ratioFigure('family', '200 vs 1', { ms: 5000, label: '200 images' }, { ms: 2000, label: 'one' }, 3);
    expect(within.met).toBe(true);
    expect(within.numbers).toEqual({ valueMs: 5000, baselineMs: 2000, ratio: 2.5 });
    expect(formatFigure(within)).toBe('200 vs 1: 5.00s (200 images) vs 2.00s (one) = 2.50x [target <= 3x: met]');
    const beyond = ratioFigure('family', '200 vs 1', { ms: 7000, label: 'a' }, { ms: 2000, label: 'b' }, 3);
    expect(beyond.met).toBe(false);
    expect(formatFigure(beyond)).toContain('[target <= 3x: NOT met]');
    expect(ratioFigure('x', 'y', { ms: 1, label: 'a' }, { ms: 0, label: 'b' }, 3).met).toBe(false);
  });

  it('writes every figure into latest.json with its numbers and target, and nothing it lacks', () => {
    const json = JSON.parse(
      latestJson({
        started: '2026-11-30T12:00:00.000Z',
        revision: 'abc123',
        sections: ['family'],
        figures: [
          ratioFigure('family', 'no-op', { ms: 3000, label: '200' }, { ms: 1000, label: '1' }, 3),
          { section: 'boot', what: 'idle memory', value: '120 MiB', numbers: { idleKb: 122880 } },
        ],
      }),
    );
    expect(json).toEqual({
      started: '2026-11-30T12:00:00.000Z',
      revision: 'abc123',
      sections: ['family'],
      figures: [
        {
          section: 'family',
          what: 'no-op',
          value: '3.00s (200) vs 1.00s (1) = 3.00x',
          numbers: { valueMs: 3000, baselineMs: 1000, ratio: 3 },
          target: '<= 3x',
          met: true,
        },
        { section: 'boot', what: 'idle memory', value: '120 MiB', numbers: { idleKb: 122880 } },
      ],
    });
  });
});
