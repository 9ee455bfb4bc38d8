// Runs checks in order against a booting container. A check that fails is retried until it passes or the shared
// deadline passes (boot takes a while); after the deadline each remaining check gets one last try. A final failure
// (a wrong answer rather than no answer yet, e.g. a 200 where a refusal is expected) is never retried.
import type { CheckContext, CheckOutcome, SmokeCheck } from './checks';

export interface CheckResult extends CheckOutcome {
  id: string;
  description: string;
  seconds: number;
}

export interface RunChecksOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called once per check with its final result (prints PASS/FAIL as it goes). */
  onResult?: (result: CheckResult) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function attempt(check: SmokeCheck, ctx: CheckContext): Promise<CheckOutcome> {
  try {
    return await check.run(ctx);
  } catch (e) {
    return { status: 'fail', detail: `the check threw: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function runChecks(checks: SmokeCheck[], ctx: CheckContext, options: RunChecksOptions): Promise<CheckResult[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const interval = options.intervalMs ?? 1000;
  const started = now();
  const deadline = started + options.timeoutMs;
  const results: CheckResult[] = [];
  for (const check of checks) {
    const checkStarted = now();
    let outcome = await attempt(check, ctx);
    while (outcome.status === 'fail' && !outcome.final && now() + interval <= deadline) {
      await sleep(interval);
      outcome = await attempt(check, ctx);
    }
    const result: CheckResult = { id: check.id, description: check.description, ...outcome, seconds: (now() - checkStarted) / 1000 };
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

export function formatResult(result: CheckResult): string {
  const status = result.status.toUpperCase().padEnd(4);
  // The seconds a check took (retries included) show where a slow boot or an emulated platform spends its time.
  return `${status}  ${result.id.padEnd(28)} ${result.description} (${result.seconds.toFixed(1)}s)${result.detail ? `\n      ${result.detail}` : ''}`;
}

export function summarize(results: CheckResult[]): { passed: number; failed: number; skipped: number; line: string } {
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  const passed = count('pass');
  const failed = count('fail');
  const skipped = count('skip');
  // Worded unlike a test runner's closing line on purpose: CI reads those, and this is one step inside a test.
  return {
    passed,
    failed,
    skipped,
    line: `smoke: ${passed}/${results.length} checks passed (${failed} failing, ${skipped} not applicable)`,
  };
}
