// Replaces a file so readers see the old or the new content, never half of it (exit_portal and the portal read
// /etc/portal.yaml while caddy starts).
import { chmodSync, closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `text` to a temp file in the target's directory and renames it over the target. A symlinked target is
 * resolved first so the link survives. The mode is `options.mode` when given (files holding secrets: the temp file is
 * created with it, so the content is never readable by others even for a moment), else the existing file's, else 0644.
 */
export function writeFileAtomic(path: string, text: string, options: { mode?: number } = {}): void {
  let target = path;
  let mode = 0o644;
  try {
    target = realpathSync(path);
    mode = statSync(target).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (options.mode !== undefined) mode = options.mode;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode & 0o600);
  let open = true;
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    open = false;
    chmodSync(temp, mode); // openSync's mode is filtered by the umask, and was narrowed to the owner above
    renameSync(temp, target);
  } catch (error) {
    if (open) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created or already renamed
    }
    throw error;
  }
}
