// A scratch copy of this workspace (tracked and untracked-not-ignored files, node_modules linked) in a temp folder,
// with its own git history, so tests can commit, generate and break things without touching the checkout.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

export const repoRoot = join(__dirname, '../..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

export class ScratchWorkspace {
  private constructor(readonly root: string) {}

  static create(prefix = 'vast-scratch-'): ScratchWorkspace {
    const root = mkdtempSync(join(tmpdir(), prefix));
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f && !f.startsWith('e2e/'));
    for (const file of files) {
      try {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        cpSync(join(repoRoot, file), join(root, file), { preserveTimestamps: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted in the work tree but still tracked
      }
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    const ws = new ScratchWorkspace(root);
    ws.git('init', '-q', '-b', 'main');
    ws.git('add', '-A');
    ws.commit('scratch: initial');
    return ws;
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', ...args], { cwd: this.root, encoding: 'utf8' });
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** Runs a command in the workspace; never throws. The Nx daemon and cloud are off, output is plain. */
  run(command: string, args: string[], env: Record<string, string> = {}): CommandResult {
    const result = spawnSync(command, args, {
      cwd: this.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: '', FORCE_COLOR: '0', CI: 'true', ...env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}\n${result.stderr}` };
  }

  nx(...args: string[]): CommandResult {
    return this.run(join(this.root, 'node_modules/.bin/nx'), args);
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  write(path: string, content: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), content);
  }

  edit(path: string, edit: (text: string) => string): void {
    this.write(path, edit(this.read(path)));
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
