// Provisioning state from the boot markers: PROVISIONING_MARKERS.inProgress exists while it runs (and services wait),
// then the provisioner leaves the failed or the complete marker.
import { readFileSync } from 'node:fs';
import { provisioningStatus, type ProvisioningStatus } from '@vast/conventions/capabilities';
import { parseProvisioningProgress, type ProvisioningProgress } from '@vast/conventions/provisioning-progress';
import { readProvisioningMarkers } from '../capabilities/read-facts';

export type { ProvisioningStatus };

/** The markers in the marker dir, by the rule the capabilities manifest uses (upstream's precedence). */
export function readProvisioningStatus(markerDir: string): ProvisioningStatus {
  return provisioningStatus(readProvisioningMarkers(markerDir));
}

/**
 * What the provisioner says it is doing (phase, downloads), while the marker says it runs. A file left by an earlier
 * run, or one being replaced, reads as nothing rather than as stale or broken progress.
 */
export function readProvisioningProgress(markerDir: string, progressFile: string): ProvisioningProgress | undefined {
  if (readProvisioningStatus(markerDir) !== 'in_progress') return undefined;
  try {
    const progress = parseProvisioningProgress(readFileSync(progressFile, 'utf8'));
    return progress?.state === 'running' ? progress : undefined;
  } catch {
    return undefined;
  }
}
