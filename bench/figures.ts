// The bench's figures as data: what each row measured, its numbers and its target, so a run can be printed and also
// written as JSON (bench/out/latest.json) to compare with the last one. Pure: no clock, no files.

export interface Figure {
  /** The bench section that measured it (rebuild, family, cold, boot, scale, affected). */
  section: string;
  /** What was measured, as printed. */
  what: string;
  /** The printed value. */
  value: string;
  /** Raw numbers behind the value: milliseconds, kilobytes, ratios (names end in Ms, Kb, or Ratio). */
  numbers?: Record<string, number>;
  /** The target as written in the issue, e.g. "<= 3x one image's no-op". */
  target?: string;
  /** Whether the figure meets its target (absent when it has none). */
  met?: boolean;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
export const megabytes = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** `a / b` as "2.41x"; a zero or missing denominator gives "n/a" instead of Infinity. */
export function times(a: number, b: number): string {
  return b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : 'n/a';
}

/** The middle value of an odd number of runs (the lower middle of an even number): one outlier does not decide it. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values: measure at least once');
  return [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
}

/**
 * A row that prints the same measure for the code now and for an earlier revision, side by side, with the ratio of
 * now to then. `unit` says whether the numbers are KiB of memory or milliseconds.
 */
export function sideBySide(
  section: string,
  what: string,
  unit: 'Kb' | 'Ms',
  current: { value: number; label: string },
  previous: { value: number; label: string },
): Figure {
  const show = unit === 'Kb' ? megabytes : seconds;
  return {
    section,
    what,
    value: `${show(current.value)} (${current.label}) vs ${show(previous.value)} (${previous.label}) = ${times(current.value, previous.value)}`,
    numbers: {
      [`current${unit}`]: Math.round(current.value),
      [`previous${unit}`]: Math.round(previous.value),
      ratio: previous.value > 0 ? Number((current.value / previous.value).toFixed(3)) : Number.NaN,
    },
  };
}

/** A row whose target is a maximum ratio of `value` to `baseline`. */
export function ratioFigure(
  section: string,
  what: string,
  value: { ms: number; label: string },
  baseline: { ms: number; label: string },
  maxRatio: number,
): Figure {
  const ratio = baseline.ms > 0 ? value.ms / baseline.ms : Number.NaN;
  return {
    section,
    what,
    value: `${seconds(value.ms)} (${value.label}) vs ${seconds(baseline.ms)} (${baseline.label}) = ${times(value.ms, baseline.ms)}`,
    numbers: { valueMs: Math.round(value.ms), baselineMs: Math.round(baseline.ms), ratio: Number(ratio.toFixed(3)) },
    target: `<= ${maxRatio}x`,
    met: Number.isFinite(ratio) && ratio <= maxRatio,
  };
}

/** One printed line: the value, then the target and whether it is met. */
export function formatFigure(figure: Figure): string {
  const verdict = figure.target === undefined ? '' : ` [target ${figure.target}: ${figure.met ? 'met' : 'NOT met'}]`;
  return `${figure.what}: ${figure.value}${verdict}`;
}

export interface BenchRun {
  /** ISO time the run started. */
  started: string;
  /** The checkout's commit (and whether the tree had changes). */
  revision: string;
  /** Sections run, in order. */
  sections: string[];
  /** What the machine was doing, as the operator said (e.g. "shared with five other builds"). */
  note?: string;
  figures: Figure[];
}

/** bench/out/latest.json: every figure with its numbers, stable key order, one figure per array item. */
export function latestJson(run: BenchRun): string {
  const figures = run.figures.map(({ section, what, value, numbers, target, met }) => ({
    section,
    what,
    value,
    ...(numbers ? { numbers } : {}),
    ...(target !== undefined ? { target, met } : {}),
  }));
  return `${JSON.stringify({ started: run.started, revision: run.revision, sections: run.sections, ...(run.note ? { note: run.note } : {}), figures }, null, 2)}\n`;
}
