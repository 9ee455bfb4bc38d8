import type { AppOptions } from '../lib/app-options';

export interface ExternalGeneratorSchema extends AppOptions {
  name: string;
  upstream: string;
  local?: boolean;
  repository?: string;
}
