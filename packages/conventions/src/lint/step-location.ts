// Findings in a step script, located where the author fixes them: the step's name and line in image.ts.
import { formatStepLocation, locateStepLine, STEPS_DIR } from '../step-script';
import type { LintContext, LintFinding } from './types';

export function locateFinding(context: LintContext, finding: LintFinding): LintFinding {
  if (!finding.file.startsWith(`${STEPS_DIR}/`) || !finding.line) return finding;
  const file = context.files.find((f) => f.path === finding.file);
  const where = file && locateStepLine(file.content, finding.line);
  return where ? { ...finding, at: formatStepLocation(context.source, where) } : finding;
}
