import type { AppOptions } from '../lib/app-options';

export interface ProvisioningGeneratorSchema extends AppOptions {
  name: string;
  from?: string;
  refresh?: boolean;
  /** No service: the template only installs or downloads (e.g. models). */
  modelsOnly?: boolean;
  /** Write a provisioning manifest for the image instead of provisioning.ts + provision.sh. */
  manifest?: boolean;
  /** With --manifest: `url|dest;url|dest`, downloads at boot. */
  download?: string;
}
