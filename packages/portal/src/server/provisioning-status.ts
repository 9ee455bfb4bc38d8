// Provisioning state from the boot markers: PROVISIONING_MARKERS.inProgress exists while it runs (and services wait),
// then the provisioner leaves the failed or the complete marker.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProvisioningProgress, type ProvisioningProgress } from '@vast/conventions/provisioning-progress';
import { PROVISIONING_MARKERS } from '@vast/conventions/runtime-contract';

export type ProvisioningStatus = 'in_progress' | 'failed' | 'complete' | 'none';

export function readProvisioningStatus(markerDir: string): ProvisioningStatus {
  // A running provisioning outranks a failure marker left by an earlier attempt.
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.inProgress))) return 'in_progress';
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.failed))) return 'failed';
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.complete))) return 'complete';
  return 'none';
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
