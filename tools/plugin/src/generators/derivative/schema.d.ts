import type { AppOptions } from '../lib/app-options';

export interface DerivativeGeneratorSchema extends AppOptions {
  name: string;
  parent?: string;
  repository?: string;
}
