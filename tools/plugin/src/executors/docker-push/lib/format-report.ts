// The lines docker-push prints at the end: exactly what it published, what was already there, what failed and what
// is not published yet. Pure.
import type { PushReport } from './push-release';
import type { PushStep } from './plan-push';

const isReleaseTag = (entry: { role: PushStep['role'] }) => entry.role !== 'content';

export function formatPushReport(image: string, version: string, registry: string, report: PushReport, rerun: string): string[] {
  const lines = [`docker-push ${image} ${version} -> ${registry}`];
  for (const p of report.pushed)
    lines.push(`  ${p.role === 'content' ? 'staged    ' : 'pushed    '} ${p.target}${p.digest ? `  ${p.digest}` : ''}`);
  for (const u of report.unchanged) lines.push(`  unchanged  ${u.target}  ${u.digest}`);
  const tagsPushed = report.pushed.filter(isReleaseTag).length;
  const tagsUnchanged = report.unchanged.filter(isReleaseTag).length;
  if (!report.failed) {
    lines.push(`docker-push ${image}: ${tagsPushed} pushed, ${tagsUnchanged} unchanged.`);
    return lines;
  }
  lines.push(`  FAILED     ${report.failed.target}`);
  for (const line of report.failed.error.split('\n')) lines.push(`             ${line}`);
  for (const n of report.notPushed) lines.push(`  not pushed ${n.target}`);
  const published = tagsPushed + tagsUnchanged;
  const missing = [report.failed, ...report.notPushed].filter(isReleaseTag).length;
  lines.push(
    published === 0
      ? `docker-push ${image}: stopped before any release tag was written: the registry has no tag of ${version} (${missing} not published). Fix the error and ${rerun}.`
      : `docker-push ${image}: stopped after ${published} release tags were published (${tagsPushed} pushed, ${tagsUnchanged} unchanged); ${missing} not published, listed above. Every published tag names this build. Fix the error and ${rerun}: it keeps what is there and writes the rest.`,
  );
  return lines;
}

export function formatDryRun(image: string, version: string, registry: string, steps: PushStep[], note?: string): string[] {
  return [
    `docker-push ${image} ${version} -> ${registry} (dry run: nothing is tagged or pushed)`,
    ...(note ? [note] : []),
    ...steps.map((s) => `  would ${s.role === 'content' ? 'stage' : 'push'} ${s.target} <- ${s.source}`),
    `docker-push ${image}: ${steps.filter(isReleaseTag).length} tags planned.`,
  ];
}
