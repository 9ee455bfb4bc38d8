// A scratch copy of this workspace (tracked and untracked-not-ignored files, node_modules linked) in a temp folder,
// with its own git history, so tests can commit, generate and break things without touching the checkout.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

export const repoRoot = join(__dirname, '../..');

/** How the suites run Nx: no daemon, cloud or TUI, and no colour, so output is plain text and runs share no state. */
export const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };

/** What a copy's node_modules leaves out: caches other tools write into, and npm's hidden lockfile (rewritten in place). */
const NOT_SHARED = ['.cache', '.vite', '.vite-temp', '.package-lock.json'];

/**
 * node_modules as npm ci would lay it out, the workspace's own (`packages/x/node_modules`) included, made of hard links
 * to this checkout's files: every module's real path is inside the copy, so bundles built there name the same paths as
 * here (esbuild writes module paths into its output, so a base image built in a copy would otherwise get another
 * content tag), and the workspace packages' links (@vast/*, relative) resolve to the copy's sources, so a test that
 * edits conventions runs the edited code. Caches and npm's hidden lockfile are left out: npm writes that file even with
 * --package-lock-only, and a write in place through a hard link would change this checkout's. Where the copy is on
 * another file system (no hard links), each entry is a symbolic link instead, and bundles there name other paths.
 */
export function linkNodeModules(copy: string): void {
  // A package's node_modules that holds only caches (tools/plugin's loader cache, vitest's) is not one npm ci makes.
  const folders = ['node_modules', ...workspacePackageFolders().map((folder) => join(folder, 'node_modules'))].filter(
    (folder) => existsSync(join(repoRoot, folder)) && readdirSync(join(repoRoot, folder)).some((entry) => !NOT_SHARED.includes(entry)),
  );
  for (const folder of folders) {
    const source = join(repoRoot, folder);
    const target = join(copy, folder);
    mkdirSync(dirname(target), { recursive: true });
    const linked = spawnSync('cp', ['-al', source, target], { encoding: 'utf8' });
    if (linked.status !== 0) {
      rmSync(target, { recursive: true, force: true });
      symlinkEntries(source, target);
    }
    for (const entry of NOT_SHARED) rmSync(join(target, entry), { recursive: true, force: true });
  }
}

/** The workspace's package folders, from package.json's `workspaces` globs (`dir/*` or a plain path). */
function workspacePackageFolders(): string[] {
  const { workspaces = [] } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(repoRoot, parent))) return [];
    return readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name));
  });
}

/** The fallback: a real folder whose entries link to the checkout's, @vast/* pointing into the copy. */
function symlinkEntries(source: string, target: string): void {
  mkdirSync(target);
  for (const entry of readdirSync(source)) {
    if (NOT_SHARED.includes(entry)) continue;
    if (entry === '@vast') {
      mkdirSync(join(target, '@vast'));
      for (const pkg of readdirSync(join(source, '@vast'))) {
        const link = readlinkSync(join(source, '@vast', pkg));
        const inCopy = join(target, '..', relative(join(source, '..'), resolve(join(source, '@vast'), link)));
        symlinkSync(relative(join(target, '@vast'), inCopy), join(target, '@vast', pkg));
      }
      continue;
    }
    symlinkSync(join(source, entry), join(target, entry));
  }
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

export class ScratchWorkspace {
  private constructor(readonly root: string) {}

  /** Copies the files git tracks or would track (e2e/ excepted), then commits them in a fresh repository. */
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
    linkNodeModules(root);
    const ws = new ScratchWorkspace(root);
    ws.git('init', '-q', '-b', 'main');
    ws.git('add', '-A');
    ws.commit('scratch: initial');
    return ws;
  }

  /** A checkout that exists already (e.g. a bench's worktree of an earlier commit), to run commands in; never disposed. */
  static at(root: string): ScratchWorkspace {
    return new ScratchWorkspace(root);
  }

  /**
   * A `git clone` of this workspace's committed state, as a new checkout has it (nothing ignored or built: no .nx,
   * dist or plugin bundles), with node_modules linked as `npm ci` would make them.
   */
  clone(prefix = 'vast-clone-'): ScratchWorkspace {
    const root = mkdtempSync(join(tmpdir(), prefix));
    execFileSync('git', ['clone', '-q', this.root, root]);
    linkNodeModules(root);
    return new ScratchWorkspace(root);
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', ...args], { cwd: this.root, encoding: 'utf8' });
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** The environment commands run with here: the Nx daemon and cloud off, plain output, Nx's cache on, CI mode. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, ...NX_ENV, NX_SKIP_NX_CACHE: '', CI: 'true', ...extra };
  }

  /** Runs a command in the workspace; never throws. The Nx daemon and cloud are off, output is plain. */
  run(command: string, args: string[], env: Record<string, string> = {}): CommandResult {
    const result = spawnSync(command, args, {
      cwd: this.root,
      encoding: 'utf8',
      env: this.env(env),
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

  /** Replaces the `CHANGEME: ...` string of each field in a generated definition, as its author would; throws if one has none. */
  fillMarkers(path: string, values: Record<string, string>): void {
    this.edit(path, (text) => {
      let out = text;
      for (const [field, value] of Object.entries(values)) {
        const pattern = new RegExp(`(${field}: )'CHANGEME:[^']*'`);
        if (!pattern.test(out)) throw new Error(`${path} has no ${field} marker`);
        out = out.replace(pattern, `$1'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`);
      }
      return out;
    });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
