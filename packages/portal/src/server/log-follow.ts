// Reads the tail of a service log and follows what is appended, across the rotation logging.sh does at every
// service start (the old file is renamed to .old and a new one begins).
import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** Service names become file names under the log directory; nothing else may reach the filesystem. */
export const LOG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const TAIL_BYTES = 64 * 1024;

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function readRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    let done = 0;
    while (done < buffer.length) {
      const n = readSync(fd, buffer, done, buffer.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

function splitLines(text: string): string[] {
  // pty output carries \r before \n and for progress bars; keep the last state of each line.
  return text.split('\n').map((line) => {
    const trimmed = line.replace(/\r+$/, '');
    const cr = trimmed.lastIndexOf('\r');
    return cr >= 0 ? trimmed.slice(cr + 1) : trimmed;
  });
}

/**
 * The last `count` complete lines and the offset just after them (where following starts), or null when the file
 * does not exist. A line still being written is left for the follower, so it is sent once, whole.
 */
export function readTail(path: string, count: number): { lines: string[]; size: number } | null {
  const stats = statOrNull(path);
  if (!stats) return null;
  const start = Math.max(0, stats.size - TAIL_BYTES);
  const bytes = readRange(path, start, stats.size);
  const end = bytes.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], size: start };
  let lines = splitLines(bytes.subarray(0, end).toString('utf8'));
  if (start > 0) lines = lines.slice(1); // the first line is probably cut
  return { lines: lines.slice(-count), size: start + end + 1 };
}

export interface LogFollower {
  stop(): void;
}

export interface FollowEvents {
  lines(lines: string[]): void;
  /** The file was replaced or truncated; what follows starts a new file. */
  reset(): void;
}

/**
 * Polls the file (fs.watch misses renames on some filesystems and overlayfs) and reports complete new lines.
 * Starts at `fromOffset`, typically the size readTail saw, so nothing is sent twice.
 */
export function followLog(path: string, fromOffset: number, events: FollowEvents, intervalMs = 250): LogFollower {
  let offset = fromOffset;
  let inode = statOrNull(path)?.ino ?? null;
  // Bytes after the last newline: kept undecoded so a UTF-8 character split across two reads survives.
  let partial = Buffer.alloc(0);
  const poll = () => {
    const stats = statOrNull(path);
    if (!stats) return;
    if ((inode !== null && stats.ino !== inode) || stats.size < offset) {
      inode = stats.ino;
      offset = 0;
      partial = Buffer.alloc(0);
      events.reset();
    }
    inode = stats.ino;
    if (stats.size === offset) return;
    const bytes = Buffer.concat([partial, readRange(path, offset, stats.size)]);
    offset = stats.size;
    const end = bytes.lastIndexOf(0x0a);
    partial = bytes.subarray(end + 1);
    if (end < 0) return;
    events.lines(splitLines(bytes.subarray(0, end).toString('utf8')));
  };
  const timer = setInterval(poll, intervalMs);
  return { stop: () => clearInterval(timer) };
}
