// The state directory: one `<stage>.hash` per phase that succeeded, so a re-run skips a phase whose inputs did not
// change (§1.9). Created 0700 with an ownership marker; --force clears only a directory it owns.
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PROVISIONER_STATE_DIR } from '@vast/conventions/runtime-contract';
import type { Logger } from './log';

const OWNER_MARKER = '.provisioner-state-dir';
const REFUSED_DIRS = new Set([
  '/',
  '/etc',
  '/usr',
  '/var',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/opt',
  '/root',
  '/home',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
]);

/** PROVISIONER_STATE_DIR when it is a safe absolute path, else the default (with the reason). */
export function stateDirFrom(value: string | undefined): { dir: string; warning?: string } {
  if (!value) return { dir: PROVISIONER_STATE_DIR };
  const normalised = value.replace(/\/+$/, '') || '/';
  if (!isAbsolute(value) || REFUSED_DIRS.has(normalised))
    return {
      dir: PROVISIONER_STATE_DIR,
      warning: `PROVISIONER_STATE_DIR='${value}' is ${isAbsolute(value) ? 'a system directory' : 'not an absolute path'}; using ${PROVISIONER_STATE_DIR}. Set it to a dedicated absolute path.`,
    };
  return { dir: normalised };
}

export const stageHash = (stage: string, inputs: unknown) =>
  createHash('sha256')
    .update(`${stage}:${JSON.stringify(inputs)}`)
    .digest('hex');

export class StateDir {
  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  private ensure(): void {
    if (existsSync(this.dir)) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(
      join(this.dir, OWNER_MARKER),
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
      0o600,
    );
    writeSync(fd, 'provisioner state directory\n');
    closeSync(fd);
  }

  matches(stage: string, hash: string): boolean {
    try {
      const fd = openSync(join(this.dir, `${stage}.hash`), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return readFileSync(fd, 'utf8').trim() === hash;
      } finally {
        closeSync(fd);
      }
    } catch {
      return false;
    }
  }

  record(stage: string, hash: string): void {
    try {
      this.ensure();
      const path = join(this.dir, `${stage}.hash`);
      rmSync(path, { force: true });
      const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, hash + '\n');
      closeSync(fd);
    } catch (error) {
      this.log.warn(`cannot record stage ${stage} in ${this.dir} (${(error as Error).message}); it runs again next time`);
    }
  }

  /** Whether --force may remove the directory: it planted the marker, or the dir holds only hash files. */
  owned(): boolean {
    if (!existsSync(this.dir)) return true;
    try {
      if (lstatSync(join(this.dir, OWNER_MARKER)).isFile()) return true;
    } catch {
      // no marker: the migration case below
    }
    const entries = readdirSync(this.dir);
    return entries.length > 0 && entries.every((e) => e === OWNER_MARKER || e.endsWith('.hash'));
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
