// The one module that starts child processes: argv arrays (or `bash -c` for the manifest's own command strings),
// output streamed to the log, a non-zero exit thrown with the command and its status.
import { spawn } from 'node:child_process';
import type { Logger } from './log';

export class CommandError extends Error {
  constructor(
    message: string,
    /** The exit status, when the command ran and exited. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep the output (returned) instead of only logging it. */
  capture?: boolean;
  /** Do not log the output (a probe such as `supervisorctl status`). */
  quiet?: boolean;
  /** Exit codes that count as success. */
  okCodes?: number[];
}

/**
 * The environment a child gets: the provisioner's own, minus what would point pip or uv at another environment than
 * the one a block names (upstream removes the same four). PATH is the instance's: no provisioner venv leads it.
 */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of ['VIRTUAL_ENV', 'CONDA_DEFAULT_ENV', 'CONDA_PREFIX', 'UV_PROJECT_ENVIRONMENT']) delete copy[name];
  return copy;
}

export function runCommand(log: Logger, argv: string[], options: RunOptions = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? childEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (data: Buffer) => {
      const text = data.toString('utf8');
      if (options.capture) output += text;
      if (!options.quiet) log.output(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => reject(new CommandError(`${argv[0]}: ${error.message}`)));
    child.on('close', (code, signal) => {
      const status = code ?? 128;
      if ((options.okCodes ?? [0]).includes(status)) resolve({ code: status, output });
      else
        reject(
          new CommandError(
            `'${argv.join(' ')}' failed with ${signal ? `signal ${signal}` : `exit status ${status}`}`,
            signal ? undefined : status,
          ),
        );
    });
  });
}

/** A command string from the manifest (post_commands, pre-run hooks): bash, as a template author writes it. */
export const bashCommand = (command: string) => ['bash', '-c', command];

/** Whether a program is on PATH. */
export async function onPath(log: Logger, program: string): Promise<boolean> {
  try {
    await runCommand(log, ['bash', '-c', `command -v ${program}`], { quiet: true });
    return true;
  } catch {
    return false;
  }
}
