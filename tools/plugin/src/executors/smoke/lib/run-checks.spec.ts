import { describe, expect, it } from 'vitest';
import { GLOBAL_CHECKS, type CheckOutcome, type SmokeCheck, type SmokeExpectations } from './checks';
import type { ContainerProbe } from './probe';
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
    const slow = scripted('slow', [
      { status: 'fail', detail: 'not yet' },
      { status: 'fail', detail: 'not yet' },
      { status: 'pass', detail: 'up' },
    ]);
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
    expect(formatResult(result)).toBe('FAIL  broken                       throws (0.0s)\n      the check threw: boom');
  });

  it('does not retry a skip', async () => {
    const na = scripted('na', [{ status: 'skip', detail: 'not applicable' }]);
    const results = await runChecks([na], ctx, { timeoutMs: 10_000, ...fakeClock() });
    expect(na.calls).toBe(1);
    expect(summarize(results).line).toBe('smoke: 0/1 checks passed (0 failing, 1 not applicable)');
  });

  describe('a check that expects a refusal (proxied-port-requires-auth)', () => {
    const refusal = GLOBAL_CHECKS.find((c) => c.id === 'proxied-port-requires-auth')!;
    const expectations = {
      portalEntries: [{ hostname: 'localhost', externalPort: 8080, internalPort: 18080, path: '/', label: 'Jupyter' }],
      token: 't',
      provisioning: 'none',
      workspace: '/workspace',
      allowedStageFailures: [],
    } satisfies SmokeExpectations;
    /** A container whose Caddy answers the unauthenticated request with each status in turn (0: nothing listens). */
    const answering = (codes: number[]) => {
      const asked: number[] = [];
      const probe: ContainerProbe = {
        async exec(argv) {
          if (argv[0] !== 'curl') return { exitCode: 1, stdout: '', stderr: '' };
          const code = codes[Math.min(asked.length, codes.length - 1)];
          asked.push(code);
          return { exitCode: code ? 0 : 7, stdout: code ? String(code) : '000', stderr: '' };
        },
      };
      return { probe, asked };
    };

    it('fails at once on an intermittent 200, without trying again', async () => {
      const { probe, asked } = answering([200, 401]);
      const [result] = await runChecks([refusal], { probe, expect: expectations }, { timeoutMs: 60_000, ...fakeClock() });
      expect(asked).toEqual([200]);
      expect(result.status).toBe('fail');
      expect(result.detail).toContain('-> 200, expected 401; not retried');
    });

    it('still waits for a port that does not answer yet (or answers 502 while its backend starts)', async () => {
      const { probe, asked } = answering([0, 502, 401]);
      const [result] = await runChecks([refusal], { probe, expect: expectations }, { timeoutMs: 60_000, ...fakeClock() });
      expect(asked).toEqual([0, 502, 401]);
      expect(result).toMatchObject({ status: 'pass', detail: 'http://127.0.0.1:8080/ -> 401' });
    });
  });
});
