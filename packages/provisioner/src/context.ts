// What every phase gets: the manifest of this attempt, the log, the environment, dry-run, progress.
import type { ProvisioningManifest } from '@vast/conventions/provisioning-manifest';
import type { Logger } from './log';
import type { Progress } from './progress';

export interface RunContext {
  manifest: ProvisioningManifest;
  log: Logger;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  progress: Progress;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` at once; every item runs, the errors come back together. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return errors;
}

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
