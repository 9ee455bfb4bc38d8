// The lines docker-push prints at the end: exactly what it pushed, what was already there, what failed. Pure.
import type { PushReport } from './push-release';
import type { PushStep } from './plan-push';

export function formatPushReport(image: string, version: string, registry: string, report: PushReport): string[] {
  const lines = [`docker-push ${image} ${version} -> ${registry}`];
  for (const p of report.pushed) lines.push(`  pushed     ${p.target}${p.digest ? `  ${p.digest}` : ''}`);
  for (const u of report.unchanged) lines.push(`  unchanged  ${u.target}  ${u.digest}`);
  if (report.failed) {
    lines.push(`  FAILED     ${report.failed.target}`);
    for (const line of report.failed.error.split('\n')) lines.push(`             ${line}`);
    for (const t of report.notPushed) lines.push(`  not pushed ${t}`);
    lines.push(
      `docker-push ${image}: stopped at the first failure: ${report.pushed.length} pushed, ${report.unchanged.length} unchanged, ${report.notPushed.length + 1} not pushed. Fix the error and run it again: tags already in the registry are skipped.`,
    );
  } else {
    lines.push(`docker-push ${image}: ${report.pushed.length} pushed, ${report.unchanged.length} unchanged.`);
  }
  return lines;
}

export function formatDryRun(image: string, version: string, registry: string, steps: PushStep[], note?: string): string[] {
  return [
    `docker-push ${image} ${version} -> ${registry} (dry run: nothing is tagged or pushed)`,
    ...(note ? [note] : []),
    ...steps.map((s) => `  would push ${s.target} <- ${s.source}`),
    `docker-push ${image}: ${steps.length} tags planned.`,
  ];
}
