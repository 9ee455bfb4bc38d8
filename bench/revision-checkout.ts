// An earlier commit of this repository, checked out for a bench that measures it beside the code now: a git worktree
// under /tmp with its own `npm ci`, kept per commit so the next run reuses it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '..');

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  execFileSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The commit the checkout is at, short: what "now" means in a before/after row. */
export function currentRevision(): string {
  return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).trim();
}

/**
 * `rev` checked out with its own node_modules. This checkout's node_modules link the workspace packages
 * (@vast/conventions, @vast/plugin) to this checkout's sources, so running an old revision with them would mix two.
 */
export function revisionCheckout(rev: string): string {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: WORKSPACE_ROOT, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `vast-bench-rev-${commit.slice(0, 7)}`);
  if (!existsSync(join(dir, 'package.json'))) {
    console.log(`  checking out ${rev} in ${dir}`);
    run('git', ['worktree', 'prune'], WORKSPACE_ROOT);
    run('git', ['worktree', 'add', '--detach', dir, commit], WORKSPACE_ROOT);
  }
  if (!existsSync(join(dir, 'node_modules/.package-lock.json'))) {
    console.log(`  npm ci in ${dir} (once per revision; a minute or two)`);
    run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  }
  return dir;
}
