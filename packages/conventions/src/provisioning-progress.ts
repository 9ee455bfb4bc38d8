// The provisioner's progress file (PROVISIONING_PROGRESS_FILE): the provisioner writes it, the portal's banner reads
// it. One schema for both sides, so a field renamed on one side is a type error on the other.
import { z } from 'zod';

export const DownloadProgressSchema = z.object({
  name: z.string(),
  dest: z.string(),
  received: z.number().nonnegative(),
  /** From Content-Length; null when the server does not say. */
  total: z.number().nonnegative().nullable(),
  done: z.boolean(),
});

export const ProvisioningProgressSchema = z.object({
  state: z.enum(['running', 'complete', 'failed']),
  phase: z.string(),
  phaseIndex: z.number().int().nonnegative(),
  phaseCount: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  attempts: z.number().int().positive(),
  updatedAt: z.string(),
  downloads: z.array(DownloadProgressSchema),
});

export type DownloadProgress = z.infer<typeof DownloadProgressSchema>;
export type ProvisioningProgress = z.infer<typeof ProvisioningProgressSchema>;

/** The file's text as progress, or undefined when it is not (yet) a whole, valid snapshot. */
export function parseProvisioningProgress(text: string): ProvisioningProgress | undefined {
  try {
    const parsed = ProvisioningProgressSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
