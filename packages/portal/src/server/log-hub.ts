// Every `*.log` in the log directory, followed once for all viewers of /ws-logs: new lines become upstream's
// `{"type":"append","html","file"}` messages, and the last REPLAY_LINES lines are kept for viewers that connect later.
// Carriage-return progress lines are committed in their last state (LineAssembler); while one is still being
// rewritten, its current state goes out as `{"type":"overwrite","html","file"}`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ansiLineToHtml } from './ansi-html';
import { followLog, readTail, type LogFollower } from './log-follow';

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

export type LogMessage = AppendMessage | OverwriteMessage;

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

  const publish = (file: string, lines: string[]) => {
    for (const line of lines) {
      const message: AppendMessage = { type: 'append', html: ansiLineToHtml(line), file };
      buffer.push(message);
      listeners.forEach((listener) => listener(message));
    }
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
      publish(file, tail?.lines ?? []);
      followers.set(
        file,
        followLog(path, tail?.size ?? 0, {
          lines: (lines) => publish(file, lines),
          reset: () => undefined,
          partial: (text) => {
            const message: OverwriteMessage = { type: 'overwrite', html: ansiLineToHtml(text), file };
            listeners.forEach((listener) => listener(message));
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
