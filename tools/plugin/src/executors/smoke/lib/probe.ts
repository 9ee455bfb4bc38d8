// How checks look inside a booted container: run an argv there and get its output. The docker-backed probe is the
// real one; specs use a scripted probe so the check logic is tested without an engine.
import { execInContainer } from '../../../utils/docker';

export interface ProbeResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerProbe {
  /** Runs argv in the container (no shell unless argv starts one). Never throws on a non-zero exit. */
  exec(argv: string[]): Promise<ProbeResult>;
}

export function dockerProbe(container: string): ContainerProbe {
  return { exec: (argv) => execInContainer(container, argv, { timeoutMs: 30_000 }) };
}

/** Runs a fixed bash script with arguments passed as positional parameters ($1, $2, ...), never interpolated. */
export function bash(probe: ContainerProbe, script: string, ...args: string[]): Promise<ProbeResult> {
  return probe.exec(['bash', '-c', script, 'smoke', ...args]);
}

/** The content of a file, or undefined when it is missing or unreadable. */
export async function readFile(probe: ContainerProbe, path: string): Promise<string | undefined> {
  const result = await probe.exec(['cat', '--', path]);
  return result.exitCode === 0 ? result.stdout : undefined;
}

export async function fileExists(probe: ContainerProbe, path: string): Promise<boolean> {
  return (await probe.exec(['test', '-e', path])).exitCode === 0;
}

/** `supervisorctl status` as name -> state (RUNNING, EXITED, FATAL, ...); undefined when supervisord does not answer. */
export async function supervisorStates(probe: ContainerProbe): Promise<Map<string, string> | undefined> {
  const result = await probe.exec(['supervisorctl', 'status']);
  // supervisorctl exits 3 when some program is not RUNNING; the table is still valid. Anything else: no answer.
  if (result.exitCode !== 0 && result.exitCode !== 3) return undefined;
  const states = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const match = /^(\S+)\s+([A-Z]+)\b/.exec(line.trim());
    if (match) states.set(match[1], match[2]);
  }
  return states.size ? states : undefined;
}

/** HTTP status code of a request made with curl inside the container (0 when no answer). */
export async function httpStatus(probe: ContainerProbe, url: string, headers: string[] = [], followRedirects = false): Promise<number> {
  const argv = ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10'];
  if (followRedirects) argv.push('-L');
  for (const header of headers) argv.push('-H', header);
  argv.push(url);
  const result = await probe.exec(argv);
  const code = Number.parseInt(result.stdout.trim(), 10);
  return Number.isFinite(code) ? code : 0;
}
