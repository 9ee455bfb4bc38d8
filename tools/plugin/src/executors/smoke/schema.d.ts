// Options of the smoke executor, as schema.json declares them.
export interface SmokeExecutorOptions {
  profile?: 'production' | 'local';
  image?: string;
  variant?: string;
  portalConfig?: string;
  provisioningScript?: string;
  expectProvisioning?: 'complete' | 'failed';
  token?: string;
  timeoutSeconds?: number;
  dryRun?: boolean;
}
