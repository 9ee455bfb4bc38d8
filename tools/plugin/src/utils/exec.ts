// The one module that runs external programs (docker, debootstrap, git): argv arrays only, never shell strings.
import type { Options } from 'execa';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Text written to the program's standard input. */
  input?: string;
  /** 'inherit' streams output to the terminal (long builds show progress); 'pipe' captures it. */
  stdio?: 'pipe' | 'inherit';
  /** Resolve instead of throwing on a non-zero exit. */
  reject?: boolean;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n');
    super(`${command} ${args.join(' ')} exited with ${result.exitCode}${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandError';
  }
}

/** execa 9 is ESM-only; Node 20.19+ can require() it, but a dynamic import keeps vitest and swc-node equally happy. */
async function loadExeca() {
  return (await import('execa')).execa;
}

export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const execa = await loadExeca();
  const inherit = options.stdio === 'inherit';
  const execaOptions: Options = {
    cwd: options.cwd,
    env: options.env,
    input: options.input,
    reject: false,
    // Standard input stays closed unless there is input to give, so a program never waits on the terminal.
    stdio: inherit ? [options.input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'] : 'pipe',
    timeout: options.timeoutMs,
    stripFinalNewline: true,
  };
  const child = await execa(command, [...args], execaOptions);
  const result: RunResult = {
    exitCode: child.exitCode ?? (child.failed ? 1 : 0),
    stdout: typeof child.stdout === 'string' ? child.stdout : '',
    stderr: typeof child.stderr === 'string' ? child.stderr : '',
  };
  if ((child as { code?: string }).code === 'ENOENT') {
    result.exitCode = 127;
    result.stderr = `${command}: command not found`;
  }
  if (result.exitCode !== 0 && options.reject !== false) throw new CommandError(command, args, result);
  return result;
}

/** True when `command` can be started (it is on PATH). */
export async function hasCommand(command: string): Promise<boolean> {
  const result = await run('sh', ['-c', 'command -v "$1"', 'sh', command], { reject: false });
  return result.exitCode === 0;
}
