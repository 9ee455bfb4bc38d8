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
  /** Bytes held back waiting for a newline: never more than MAX_PENDING_BYTES, whatever the service writes. */
  pendingBytes(): number;
}

export interface FollowEvents {
  lines(lines: string[]): void;
  /** The file was replaced or truncated; what follows starts a new file. */
  reset(): void;
  /** The unfinished last line changed (a progress bar rewriting itself with \r): its current state. */
  partial?(text: string): void;
  /**
   * When given, the appended bytes as read (in order, at most READ_CHUNK_BYTES at a time) instead of `lines` and
   * `partial`: for a reader that emulates the terminal itself (log-screen.ts).
   */
  bytes?(chunk: Buffer): void;
}

/** The longest line a follower holds back; a line longer than this is sent in pieces of this size. */
export const MAX_PENDING_BYTES = 64 * 1024;
/** How much of the file one poll reads at a time, so a burst of output is never read into memory whole. */
const READ_CHUNK_BYTES = 256 * 1024;

/** The start of the last UTF-8 character if it is cut off at the end of `bytes`, else bytes.length. */
function completeUtf8End(bytes: Buffer): number {
  for (let i = bytes.length - 1, seen = 0; i >= 0 && seen < 4; i--, seen++) {
    const byte = bytes[i];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return bytes.length - i >= needed ? bytes.length : i;
  }
  return bytes.length;
}

/**
 * Turns appended bytes into complete lines. What follows the last newline is held back, but never more than
 * MAX_PENDING_BYTES of it: a progress bar that only rewrites its line with \r keeps just its last state (all a
 * viewer would see of it), and output that never ends a line is sent in MAX_PENDING_BYTES pieces.
 */
export class LineAssembler {
  // Kept undecoded so a UTF-8 character split across two reads survives.
  private partial = Buffer.alloc(0);

  get pendingBytes(): number {
    return this.partial.length;
  }

  /** The unfinished line as it shows now: without a trailing \r or a cut-off UTF-8 character. */
  pendingText(): string {
    let end = completeUtf8End(this.partial);
    while (end > 0 && this.partial[end - 1] === 0x0d) end--;
    return this.partial.subarray(0, end).toString('utf8');
  }

  reset(): void {
    this.partial = Buffer.alloc(0);
  }

  push(chunk: Buffer): string[] {
    const bytes = Buffer.concat([this.partial, chunk]);
    const end = bytes.lastIndexOf(0x0a);
    const lines = end >= 0 ? splitLines(bytes.subarray(0, end).toString('utf8')) : [];
    let rest = bytes.subarray(end + 1);
    // Only what follows the last \r of the unfinished line is ever shown; a trailing \r may be the start of \r\n.
    let body = rest.length;
    while (body > 0 && rest[body - 1] === 0x0d) body--;
    const cr = rest.subarray(0, body).lastIndexOf(0x0d);
    if (cr >= 0) rest = rest.subarray(cr + 1);
    while (rest.length > MAX_PENDING_BYTES) {
      const cut = completeUtf8End(rest.subarray(0, MAX_PENDING_BYTES));
      lines.push(rest.subarray(0, cut).toString('utf8'));
      rest = rest.subarray(cut);
    }
    // A copy, so the (possibly large) buffer read this time is not kept alive by a small slice of it.
    this.partial = Buffer.from(rest);
    return lines;
  }
}

/**
 * Polls the file (fs.watch misses renames on some filesystems and overlayfs) and reports complete new lines.
 * Starts at `fromOffset`, typically the size readTail saw, so nothing is sent twice.
 */
export function followLog(path: string, fromOffset: number, events: FollowEvents, intervalMs = 250): LogFollower {
  let offset = fromOffset;
  let inode = statOrNull(path)?.ino ?? null;
  const assembler = new LineAssembler();
  const poll = () => {
    const stats = statOrNull(path);
    if (!stats) return;
    if ((inode !== null && stats.ino !== inode) || stats.size < offset) {
      inode = stats.ino;
      offset = 0;
      assembler.reset();
      events.reset();
    }
    inode = stats.ino;
    const grew = offset < stats.size;
    while (offset < stats.size) {
      const end = Math.min(stats.size, offset + READ_CHUNK_BYTES);
      const bytes = readRange(path, offset, end);
      if (bytes.length === 0) break;
      offset += bytes.length;
      if (events.bytes) {
        events.bytes(bytes);
        continue;
      }
      const lines = assembler.push(bytes);
      if (lines.length > 0) events.lines(lines);
    }
    if (grew && events.partial && !events.bytes) {
      const text = assembler.pendingText();
      if (text !== '') events.partial(text);
    }
  };
  const timer = setInterval(poll, intervalMs);
  return { stop: () => clearInterval(timer), pendingBytes: () => assembler.pendingBytes };
}
