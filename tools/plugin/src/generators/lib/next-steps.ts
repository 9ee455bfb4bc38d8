// What a person does after a generator ran: the decisions left, then how to check the result.
import { logger, type GeneratorCallback } from '@nx/devkit';
import type { NormalizedApp } from './app-options';

/** Printed after the files are written (Nx does not run callbacks on --dry-run). */
export function nextSteps(app: NormalizedApp, file: string, then: string): GeneratorCallback {
  return () => {
    const left = Object.keys(app.decisions);
    if (left.length) logger.info(`${app.name}: decide the CHANGEME markers in ${file} (${left.join(', ')}). Then ${then}.`);
    else logger.info(`${app.name}: ${then}.`);
  };
}
