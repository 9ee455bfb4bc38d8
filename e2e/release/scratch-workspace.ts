// A throwaway copy of the workspace for release tests: the sources without node_modules, dist, .nx and
// .git, a fresh git repository with one commit, and a node_modules that links to the real packages.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { run } from '../../tools/plugin/src/utils/exec';

export const workspaceRoot = resolve(__dirname, '../..');
/** Left out of the copy: installs and build output at any depth, caches and git state at the top. */
const SKIP_TOP = new Set(['dist', '.nx', '.git', 'tmp', 'test-output', 'bench/out']);

/**
 * node_modules is rebuilt as a real folder of links, not one link to the real folder: npm writes its
 * hidden lockfile (node_modules/.package-lock.json) even with --package-lock-only, and it must land in
 * the copy. Workspace packages (@vast/*) link into the copy, everything else to the real install.
 */
function linkNodeModules(copy: string): void {
  const real = join(workspaceRoot, 'node_modules');
  const target = join(copy, 'node_modules');
  mkdirSync(target);
  for (const entry of readdirSync(real)) {
    if (entry === '.package-lock.json') continue;
    if (entry === '@vast') {
      mkdirSync(join(target, '@vast'));
      for (const pkg of readdirSync(join(real, '@vast'))) {
        const link = readlinkSync(join(real, '@vast', pkg));
        const inCopy = join(copy, relative(workspaceRoot, resolve(join(real, '@vast'), link)));
        symlinkSync(relative(join(target, '@vast'), inCopy), join(target, '@vast', pkg));
      }
      continue;
    }
    symlinkSync(join(real, entry), join(target, entry));
  }
}

export interface ScratchWorkspace {
  dir: string;
  git: (...args: string[]) => Promise<string>;
  remove: () => void;
}

export async function createScratchWorkspace(prefix: string): Promise<ScratchWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  cpSync(workspaceRoot, dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(workspaceRoot, src);
      return !SKIP_TOP.has(rel) && !rel.split('/').includes('node_modules');
    },
    verbatimSymlinks: true,
  });
  linkNodeModules(dir);
  const env = { GIT_AUTHOR_NAME: 'release-test', GIT_AUTHOR_EMAIL: 'release-test@example.invalid', GIT_COMMITTER_NAME: 'release-test', GIT_COMMITTER_EMAIL: 'release-test@example.invalid' };
  const git = async (...args: string[]) => (await run('git', args, { cwd: dir, env: { ...process.env, ...env } })).stdout;
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '--all');
  await git('commit', '--quiet', '--no-verify', '-m', 'scratch copy of the workspace');
  return { dir, git, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
