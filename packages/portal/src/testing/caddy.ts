// Runs the real `caddy` binary (Debian's 2.6.2) for specs and the local e2e, isolated from the user's Caddy state.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { makeTempDir, type TempDir } from './temp-dir';
import { waitForPort } from './free-port';

export function hasCaddy(): boolean {
  return spawnSync('caddy', ['version'], { encoding: 'utf8' }).status === 0;
}

function isolatedEnv(dir: TempDir): NodeJS.ProcessEnv {
  // Caddy keeps certificates and autosaved config under XDG dirs; keep them inside the temp folder.
  return { ...process.env, HOME: dir.path, XDG_DATA_HOME: dir.file('data'), XDG_CONFIG_HOME: dir.file('config') };
}

/** `caddy validate` on a Caddyfile text; returns the combined output and whether Caddy accepted it. */
export function validateCaddyfile(text: string): { ok: boolean; output: string } {
  const dir = makeTempDir('portal-caddy-validate-');
  try {
    writeFileSync(dir.file('Caddyfile'), text);
    const result = spawnSync('caddy', ['validate', '--adapter', 'caddyfile', '--config', dir.file('Caddyfile')], {
      encoding: 'utf8',
      env: isolatedEnv(dir),
    });
    return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
  } finally {
    dir.remove();
  }
}

/** `caddy fmt` of a Caddyfile text: what Caddy considers its canonical layout. */
export function formatCaddyfile(text: string): string {
  const dir = makeTempDir('portal-caddy-fmt-');
  try {
    writeFileSync(dir.file('Caddyfile'), text);
    const result = spawnSync('caddy', ['fmt', dir.file('Caddyfile')], { encoding: 'utf8', env: isolatedEnv(dir) });
    if (result.status !== 0) throw new Error(`caddy fmt failed: ${result.stderr}`);
    return result.stdout;
  } finally {
    dir.remove();
  }
}

export interface RunningCaddy {
  output(): string;
  stop(): Promise<void>;
}

/** `caddy run` on a Caddyfile; resolves once every port in `ports` accepts connections. */
export async function runCaddy(caddyfile: string, ports: number[]): Promise<RunningCaddy> {
  const dir = makeTempDir('portal-caddy-run-');
  writeFileSync(dir.file('Caddyfile'), caddyfile);
  let output = '';
  const child: ChildProcess = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', dir.file('Caddyfile')], {
    env: isolatedEnv(dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    dir.remove();
  };
  try {
    await Promise.race([
      Promise.all(ports.map((port) => waitForPort(port))),
      exited.then(() => {
        throw new Error(`caddy exited early:\n${output}`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { output: () => output, stop };
}
