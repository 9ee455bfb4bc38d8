// Every `*.log` in the log directory, followed once for all viewers of /ws-logs, in upstream's protocol (§2.5): new
// lines become `{"type":"append","html","file"}`, a line a progress bar is still rewriting `{"type":"overwrite",...}`,
// and lines a program redrew with cursor-up (pip's and tqdm's multi-line bars) `{"type":"overwrite_block","lines",
// "file"}`; log-screen.ts emulates the terminal. The last REPLAY_LINES committed lines are kept, as redrawn, for
// viewers that connect later.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ansiLineToHtml } from './ansi-html';
import { followLog, readTail, type LogFollower } from './log-follow';
import { LogScreen, type ScreenUpdate } from './log-screen';

/** Upstream's replay buffer and first read of a new file: 750 lines. */
export const REPLAY_LINES = 750;
const SCAN_MS = 500;

export interface AppendMessage {
  type: 'append';
  html: string;
  file: string;
}

/** The current state of a line still being rewritten (upstream's `overwrite`); never replayed. */
export interface OverwriteMessage {
  type: 'overwrite';
  html: string;
  file: string;
}

/**
 * Upstream's `overwrite_block`: lines the program redrew. Ours says how many of the file's last lines it replaces
 * (`replace`, the pending one included) and whether its last line is still being written (`pending`), so a viewer
 * needs no terminal of its own.
 */
export interface OverwriteBlockMessage {
  type: 'overwrite_block';
  lines: string[];
  file: string;
  replace: number;
  pending: boolean;
}

export type LogMessage = AppendMessage | OverwriteMessage | OverwriteBlockMessage;

/** One file's screen updates as messages, HTML rendered. */
export function toLogMessages(file: string, updates: readonly ScreenUpdate[]): LogMessage[] {
  return updates.map((update): LogMessage => {
    if (update.type === 'overwrite_block') {
      return { type: 'overwrite_block', lines: update.lines.map(ansiLineToHtml), file, replace: update.replace, pending: update.pending };
    }
    return { type: update.type, html: ansiLineToHtml(update.text), file };
  });
}

export interface LogHub {
  /** Subscribes; returns the replay (oldest first) and a function that unsubscribes. */
  subscribe(listener: (message: LogMessage) => void): { replay: AppendMessage[]; unsubscribe: () => void };
  /** The `<name>.log` files followed now, oldest-modified first. */
  files(): string[];
}

function listLogs(dir: string): Array<{ file: string; mtime: number }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const logs: Array<{ file: string; mtime: number }> = [];
  for (const file of names) {
    if (!file.endsWith('.log')) continue;
    try {
      const stats = statSync(join(dir, file));
      if (stats.isFile()) logs.push({ file, mtime: stats.mtimeMs });
    } catch {
      // gone between readdir and stat
    }
  }
  return logs.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file));
}

/** Follows the directory while anyone listens, and stops (no timers, no open files) when the last one leaves. */
export function createLogHub(dir: string): LogHub {
  const listeners = new Set<(message: LogMessage) => void>();
  const followers = new Map<string, LogFollower>();
  let buffer: AppendMessage[] = [];
  let scanner: NodeJS.Timeout | null = null;

  const publish = (file: string, updates: readonly ScreenUpdate[]) => {
    const messages = toLogMessages(file, updates);
    updates.forEach((update, i) => {
      const message = messages[i];
      if (message.type === 'append') buffer.push(message);
      else if (update.type === 'overwrite_block') {
        // The replay shows the lines as redrawn: the committed lines the block replaces go, its committed ones come.
        let remove = update.replaceCommitted;
        for (let j = buffer.length - 1; j >= 0 && remove > 0; j--) {
          if (buffer[j].file === file) {
            buffer.splice(j, 1);
            remove--;
          }
        }
        const committed = update.pending ? update.lines.slice(0, -1) : update.lines;
        committed.forEach((text) => buffer.push({ type: 'append', html: ansiLineToHtml(text), file }));
      }
    });
    messages.forEach((message) => listeners.forEach((listener) => listener(message)));
    if (buffer.length > REPLAY_LINES * 2) buffer = buffer.slice(-REPLAY_LINES);
  };

  const scan = () => {
    const present = listLogs(dir);
    const names = new Set(present.map((p) => p.file));
    for (const [file, follower] of followers) {
      if (!names.has(file)) {
        follower.stop();
        followers.delete(file);
      }
    }
    for (const { file } of present) {
      if (followers.has(file)) continue;
      const path = join(dir, file);
      const tail = readTail(path, REPLAY_LINES);
      const screen = new LogScreen();
      const decoder = new StringDecoder('utf8');
      // Only committed lines from the tail; the line being written arrives with the first poll.
      publish(
        file,
        screen.write(tail && tail.lines.length ? `${tail.lines.join('\n')}\n` : '').filter((u) => u.type === 'append'),
      );
      followers.set(
        file,
        followLog(path, tail?.size ?? 0, {
          lines: () => undefined,
          bytes: (chunk) => publish(file, screen.write(decoder.write(chunk))),
          reset: () => {
            // A new file: what it draws starts below what the old one left.
            decoder.end();
            publish(file, screen.finish());
          },
        }),
      );
    }
  };

  const start = () => {
    buffer = [];
    scan();
    scanner = setInterval(scan, SCAN_MS);
  };
  const stop = () => {
    if (scanner) clearInterval(scanner);
    scanner = null;
    followers.forEach((follower) => follower.stop());
    followers.clear();
    buffer = [];
  };

  return {
    subscribe(listener) {
      if (listeners.size === 0) start();
      listeners.add(listener);
      return {
        replay: buffer.slice(-REPLAY_LINES),
        unsubscribe: () => {
          listeners.delete(listener);
          if (listeners.size === 0) stop();
        },
      };
    },
    files: () => listLogs(dir).map((p) => p.file),
  };
}
