// The one loop that writes decided registry actions (promotion's copies, the platform merge's lists): in order, exact
// tags before aliases, an unchanged target only reported, and the first failure ends the run with the rest listed as
// not written, as a push does.
import type { PushAction, PushStep } from './plan-push';
import type { PushReport } from './push-release';

export async function applyInOrder(
  actions: PushAction[],
  {
    log,
    announce,
    write,
  }: {
    log: (line: string) => void;
    /** The progress line of a step about to be written, after its `[i/n]`. */
    announce: (step: PushStep) => string;
    /** Writes one step; resolves to the digest the registry now holds under its target. */
    write: (step: PushStep) => Promise<string>;
  },
): Promise<PushReport> {
  const report: PushReport = { pushed: [], unchanged: [], notPushed: [] };
  for (const [i, { step, action, digest }] of actions.entries()) {
    const at = `[${i + 1}/${actions.length}]`;
    if (action === 'unchanged') {
      report.unchanged.push({ target: step.target, role: step.role, digest: digest as string });
      log(`${at} unchanged  ${step.target}`);
      continue;
    }
    log(`${at} ${announce(step)}`);
    try {
      report.pushed.push({ target: step.target, role: step.role, digest: await write(step) });
    } catch (error) {
      report.failed = { target: step.target, role: step.role, error: error instanceof Error ? error.message : String(error) };
      report.notPushed = actions.slice(i + 1).map((a) => ({ target: a.step.target, role: a.step.role }));
      return report;
    }
  }
  return report;
}
