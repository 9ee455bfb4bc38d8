import type { AppOptions } from '../lib/app-options';

export interface ProvisioningGeneratorSchema extends AppOptions {
  name: string;
  from?: string;
  refresh?: boolean;
  /** No service: the template only installs or downloads (e.g. models). */
  modelsOnly?: boolean;
}
