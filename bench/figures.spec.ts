// The pure pieces of the bench: ratio text, target verdicts and the shape of bench/out/latest.json.
import { describe, expect, it } from 'vitest';
import { formatFigure, latestJson, median, ratioFigure, sideBySide, times } from './figures';

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

  it('takes the middle of three runs whatever their order, and refuses no runs', () => {
    expect(median([900, 120, 130])).toBe(130);
    expect(median([5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(() => median([])).toThrow(/at least once/);
  });

  it('prints memory and times of now and of an earlier revision side by side, with the ratio in its numbers', () => {
    const memory = sideBySide('portal', 'idle', 'Kb', { value: 61440, label: 'now abc1234' }, { value: 51200, label: 'then 4f3a329' });
    expect(formatFigure(memory)).toBe('idle: 60 MiB (now abc1234) vs 50 MiB (then 4f3a329) = 1.20x');
    expect(memory.numbers).toEqual({ currentKb: 61440, previousKb: 51200, ratio: 1.2 });
    expect(memory.target).toBeUndefined();
    const paint = sideBySide('portal', 'paint', 'Ms', { value: 412.6, label: 'now' }, { value: 250, label: 'then' });
    expect(paint.value).toBe('0.41s (now) vs 0.25s (then) = 1.65x');
    expect(paint.numbers).toEqual({ currentMs: 413, previousMs: 250, ratio: 1.65 });
    expect(sideBySide('portal', 'x', 'Ms', { value: 1, label: 'a' }, { value: 0, label: 'b' }).value).toContain('= n/a');
  });
});
