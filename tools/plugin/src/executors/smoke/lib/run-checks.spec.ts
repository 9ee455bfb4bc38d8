import { describe, expect, it } from 'vitest';
import type { CheckOutcome, SmokeCheck } from './checks';
import { formatResult, runChecks, summarize } from './run-checks';

/** A clock that only moves when the runner sleeps, so retries are deterministic and instant. */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

const scripted = (id: string, outcomes: CheckOutcome[]): SmokeCheck & { calls: number } => {
  const check = {
    id,
    description: `check ${id}`,
    calls: 0,
    async run() {
      const outcome = outcomes[Math.min(check.calls, outcomes.length - 1)];
      check.calls += 1;
      return outcome;
    },
  };
  return check;
};

const ctx = { probe: { exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }) }, expect: {} as never };

describe('runChecks', () => {
  it('retries a failing check until it passes, in declared order', async () => {
    const slow = scripted('slow', [{ status: 'fail', detail: 'not yet' }, { status: 'fail', detail: 'not yet' }, { status: 'pass', detail: 'up' }]);
    const quick = scripted('quick', [{ status: 'pass', detail: 'ok' }]);
    const seen: string[] = [];
    const results = await runChecks([slow, quick], ctx, { timeoutMs: 10_000, ...fakeClock(), onResult: (r) => seen.push(r.id) });
    expect(seen).toEqual(['slow', 'quick']);
    expect(slow.calls).toBe(3);
    expect(results.map((r) => [r.id, r.status, r.detail])).toEqual([
      ['slow', 'pass', 'up'],
      ['quick', 'pass', 'ok'],
    ]);
    expect(results[0].seconds).toBe(2);
  });

  it('reports the last failure once the deadline passes, and later checks still get one try', async () => {
    const never = scripted('never', [{ status: 'fail', detail: 'still down' }]);
    const after = scripted('after', [{ status: 'fail', detail: 'also down' }]);
    const results = await runChecks([never, after], ctx, { timeoutMs: 5_000, intervalMs: 1_000, ...fakeClock() });
    expect(never.calls).toBe(6);
    expect(after.calls).toBe(1);
    expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(summarize(results).failed).toBe(2);
  });

  it('turns a check that throws into a failure that says so', async () => {
    const broken: SmokeCheck = { id: 'broken', description: 'throws', run: async () => Promise.reject(new Error('boom')) };
    const [result] = await runChecks([broken], ctx, { timeoutMs: 0, ...fakeClock() });
    expect(result).toMatchObject({ status: 'fail', detail: 'the check threw: boom' });
    expect(formatResult(result)).toBe('FAIL  broken                       throws\n      the check threw: boom');
  });

  it('does not retry a skip', async () => {
    const na = scripted('na', [{ status: 'skip', detail: 'not applicable' }]);
    const results = await runChecks([na], ctx, { timeoutMs: 10_000, ...fakeClock() });
    expect(na.calls).toBe(1);
    expect(summarize(results).line).toBe('smoke: 0/1 checks passed (0 failing, 1 not applicable)');
  });
});
