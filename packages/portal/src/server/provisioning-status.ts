// Provisioning state from the boot markers: PROVISIONING_MARKERS.inProgress exists while it runs (and services wait),
// then the provisioner leaves the failed or the complete marker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROVISIONING_MARKERS } from '@vast/conventions/runtime-contract';

export type ProvisioningStatus = 'in_progress' | 'failed' | 'complete' | 'none';

export function readProvisioningStatus(markerDir: string): ProvisioningStatus {
  // A running provisioning outranks a failure marker left by an earlier attempt.
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.inProgress))) return 'in_progress';
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.failed))) return 'failed';
  if (existsSync(join(markerDir, PROVISIONING_MARKERS.complete))) return 'complete';
  return 'none';
}
