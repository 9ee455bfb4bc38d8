// GET /download-logs: every readable file under the log root (upstream: all of /var/log) in one zip, paths relative
// to the root's parent (`log/portal/caddy.log`), as upstream names them. Unreadable files are skipped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderZip, type ZipEntry } from './zip-archive';

/** A whole log tree is read into memory: a file above this is skipped rather than risk the portal's memory. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function collectLogFiles(root: string): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const walk = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        const stats = statSync(path);
        if (stats.isDirectory()) walk(path, `${prefix}${name}/`);
        else if (stats.isFile() && stats.size <= MAX_FILE_BYTES)
          entries.push({ name: `${prefix}${name}`, data: readFileSync(path), mtime: stats.mtime });
      } catch {
        // unreadable: skipped, as upstream does
      }
    }
  };
  walk(root, `${basename(root)}/`);
  return entries;
}

/** The attachment name: the caller's (quotes made `_`, `.zip` added) or `logs_YYYYmmdd_HHMMSS.zip`. */
export function downloadFileName(requested: string | null, now: Date): string {
  if (requested) {
    const name = basename(requested).replace(/["\\\r\n]/g, '_');
    return name.endsWith('.zip') ? name : `${name}.zip`;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `logs_${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}.zip`;
}

export function renderLogArchive(root: string): Buffer {
  return renderZip(collectLogFiles(root));
}
