// The progress file the portal's provisioning banner reads (PROVISIONING_PROGRESS_FILE): the current phase and each
// running download's bytes, rewritten atomically at most twice a second.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DownloadProgress, ProvisioningProgress } from '@vast/conventions/provisioning-progress';

export type { DownloadProgress };

export class Progress {
  private snapshot: ProvisioningProgress = {
    state: 'running',
    phase: 'starting',
    phaseIndex: 0,
    phaseCount: 0,
    attempt: 1,
    attempts: 1,
    updatedAt: '',
    downloads: [],
  };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string | undefined) {}

  update(change: Partial<Omit<ProvisioningProgress, 'updatedAt'>>): void {
    Object.assign(this.snapshot, change);
    this.flush();
  }

  /** A download's counters; written on the next tick so a fast stream does not rewrite the file per chunk. */
  download(entry: DownloadProgress): DownloadProgress {
    this.snapshot.downloads.push(entry);
    this.flush();
    return entry;
  }

  changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, 500);
  }

  flush(): void {
    if (!this.file) return;
    this.snapshot.updatedAt = new Date().toISOString();
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.snapshot) + '\n');
      renameSync(tmp, this.file);
    } catch {
      // Progress is for display; it never fails a run.
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
