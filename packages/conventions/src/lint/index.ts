// Lint: the invariants of an assembled build context, as a list of small rules with stable codes.
import { labelsRule } from './rules/vl001-labels';
import { envHashLastRule } from './rules/vl002-env-hash-last';
import { rootOverlayRule } from './rules/vl003-root-overlay';
import { fromClassRule } from './rules/vl004-from-class';
import { envFormRule } from './rules/vl005-env-form';
import { baseVariantsRule } from './rules/vl006-base-variants';
import { supervisorProgramRule } from './rules/vl010-supervisor-program';
import { utilsOrderRule } from './rules/vl011-utils-order';
import { executableRule } from './rules/vl012-executable';
import { torchGuardRule } from './rules/vl020-torch-guard';
import { torchBackendRule } from './rules/vl021-torch-backend';
import { uvPipRule } from './rules/vl022-uv-pip';
import { pipedDownloadRule } from './rules/vl023-piped-download';
import { cudaFactRule } from './rules/vl024-cuda-fact';
import { portalConfigRule } from './rules/vl030-portal-config';
import { directEntriesRule } from './rules/vl031-direct-entries';
import { publicPortsRule } from './rules/vl032-public-ports';
import { unfilledRule } from './rules/vl040-unfilled';
import { bakedWeightsRule } from './rules/vl053-baked-weights';
import { shellHeaderRule } from './rules/vl060-shell-header';
import { provisioningManifestRule } from './rules/vl070-provisioning-manifest';
import { locateFinding } from './step-location';
import type { LintContext, LintFinding, LintRule } from './types';

export * from './types';
export * from './shell-findings';
export { chainLintFacts } from './chain-facts';
export { locateFinding } from './step-location';
export { parseDockerfile } from './dockerfile-parser';
export { UNFILLED_MARKER } from './rules/vl040-unfilled';
export { isShellScript } from './rules/helpers';
export { isProvisioningManifest } from './rules/vl070-provisioning-manifest';

export const LINT_RULES: readonly LintRule[] = [
  labelsRule,
  envHashLastRule,
  rootOverlayRule,
  fromClassRule,
  envFormRule,
  baseVariantsRule,
  supervisorProgramRule,
  utilsOrderRule,
  executableRule,
  torchGuardRule,
  torchBackendRule,
  uvPipRule,
  pipedDownloadRule,
  cudaFactRule,
  portalConfigRule,
  directEntriesRule,
  publicPortsRule,
  unfilledRule,
  bakedWeightsRule,
  shellHeaderRule,
  provisioningManifestRule,
];

export function lintContext(context: LintContext, rules: readonly LintRule[] = LINT_RULES): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const rule of rules) {
    rule.check(context, (finding) => findings.push(locateFinding(context, { code: rule.code, severity: rule.severity, ...finding })));
  }
  return findings;
}

/** `file:line: CODE severity: message`, one finding per line; a finding in generated text names its source first. */
export function formatFinding(contextDir: string, finding: LintFinding): string {
  const file = `${contextDir}/${finding.file}${finding.line ? `:${finding.line}` : ''}`;
  if (finding.at) return `${finding.at}: ${finding.code} ${finding.severity}: ${finding.message} (${file})`;
  return `${file}: ${finding.code} ${finding.severity}: ${finding.message}`;
}
