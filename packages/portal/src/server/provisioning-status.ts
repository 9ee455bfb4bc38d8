// Provisioning state from the boot markers: /.provisioning exists while it runs (and services wait), then the
// provisioner leaves /.provisioning_failed or /.provisioning_complete.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type ProvisioningStatus = 'in_progress' | 'failed' | 'complete' | 'none';

export function readProvisioningStatus(markerDir: string): ProvisioningStatus {
  // A running provisioning outranks a failure marker left by an earlier attempt.
  if (existsSync(join(markerDir, '.provisioning'))) return 'in_progress';
  if (existsSync(join(markerDir, '.provisioning_failed'))) return 'failed';
  if (existsSync(join(markerDir, '.provisioning_complete'))) return 'complete';
  return 'none';
}
