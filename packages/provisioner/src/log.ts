// The provisioner's log: `YYYY-MM-DD HH:MM:SS [LEVEL] message` lines to stdout, to settings.log_file (the portal's
// Logs page streams it) and to its clean twin (the same path without the `portal` segment), as upstream's (§1.11).
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Level = 'INFO' | 'WARNING' | 'ERROR';

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
/** What stdout and the clean file get: no escape sequences, CRLF and lone CR as LF. */
export const cleanText = (text: string) => text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n');

const pad = (n: number) => String(n).padStart(2, '0');
export function timestamp(date = new Date()): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `/var/log/portal/provisioning.log` -> `/var/log/provisioning.log`; a path without the segment has no twin. */
export function cleanTwinPath(logFile: string): string | undefined {
  const twin = logFile.replace(/\/portal\//, '/');
  return twin === logFile ? undefined : twin;
}

export class Logger {
  private files: { path: string; clean: boolean }[] = [];

  constructor(private readonly stdout: (text: string) => void = (t) => process.stdout.write(t)) {}

  /** Starts (or moves) the file handlers; a file that cannot be written is reported once and left out. */
  setLogFile(logFile: string): void {
    const twin = cleanTwinPath(logFile);
    this.files = [];
    for (const [path, clean] of [[logFile, false], ...(twin ? [[twin, true]] : [])] as [string, boolean][]) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        appendFileSync(path, '');
        this.files.push({ path, clean });
      } catch (error) {
        this.warn(`cannot write the log file ${path} (${(error as Error).message}); logging to stdout only`);
      }
    }
  }

  private write(raw: string): void {
    const clean = cleanText(raw);
    this.stdout(clean);
    for (const file of this.files) {
      try {
        appendFileSync(file.path, file.clean ? clean : raw);
      } catch {
        // A full disk must not stop provisioning; stdout still has it.
      }
    }
  }

  log(level: Level, message: string): void {
    this.write(`${timestamp()} [${level}] ${message}\n`);
  }
  info = (message: string) => this.log('INFO', message);
  warn = (message: string) => this.log('WARNING', message);
  error = (message: string) => this.log('ERROR', message);

  /** A child process's output as it arrives: raw to the portal file, cleaned elsewhere. */
  output(chunk: string): void {
    this.write(chunk);
  }
}
