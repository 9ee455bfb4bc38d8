// What the page shows: applications from portal.yaml joined with their supervisor programs. Pure.
import type { PortalEntry } from '@vast/conventions/portal-config';
import { programForApplication } from './program-labels';
import type { ProcessInfo } from './supervisor-client';

/** The badge the page shows. `skipped`: the program exited because its label is not in portal.yaml. */
export type ProcessState = 'running' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'skipped' | 'unknown';

export interface ProcessView {
  /** What start/stop/restart and the log route take: `name`, or `group:name` for grouped programs. */
  name: string;
  state: ProcessState;
  supervisorState: string;
  description: string;
  label: string | null;
  /** The API refuses to stop it: the portal's own programs and PORTAL_UNSTOPPABLE. */
  unstoppable: boolean;
}

export interface ApplicationView {
  label: string;
  hostname: string;
  externalPort: number;
  internalPort: number;
  path: string;
  /** The port Vast exposes for externalPort (VAST_TCP_PORT_<externalPort>), when the instance has one. */
  publicPort: number | null;
  /** The supervisor program behind the application, or null for plain links and unknown programs. */
  process: ProcessView | null;
}

const STATES: Record<string, ProcessState> = {
  RUNNING: 'running',
  STARTING: 'starting',
  // BACKOFF: the start failed and supervisor is about to try again.
  BACKOFF: 'starting',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  EXITED: 'stopped',
  FATAL: 'failed',
};

export function processNamespec(info: ProcessInfo): string {
  return info.group && info.group !== info.name ? `${info.group}:${info.name}` : info.name;
}

export function describeProcess(
  info: ProcessInfo,
  labels: ReadonlyMap<string, string>,
  skipped: ReadonlySet<string>,
  unstoppable: ReadonlySet<string> = new Set(),
): ProcessView {
  const name = processNamespec(info);
  return {
    unstoppable: unstoppable.has(info.name),
    name,
    state: skipped.has(info.name) ? 'skipped' : (STATES[info.statename] ?? 'unknown'),
    supervisorState: info.statename,
    description: info.description,
    label: labels.get(info.name) ?? labels.get(info.group) ?? null,
  };
}

export function describeApplications(input: {
  entries: readonly PortalEntry[];
  /** null when supervisor could not be asked; the applications are still listed. */
  processes: readonly ProcessInfo[] | null;
  labels: ReadonlyMap<string, string>;
  skipped: ReadonlySet<string>;
  publicPorts: Readonly<Record<number, number>>;
  unstoppable?: ReadonlySet<string>;
}): ApplicationView[] {
  const byName = new Map((input.processes ?? []).map((info) => [info.name, info]));
  return input.entries.map((entry) => {
    const program = programForApplication(entry.label, input.labels);
    const info = program === null ? undefined : byName.get(program);
    let process: ProcessView | null = null;
    if (info) process = describeProcess(info, input.labels, input.skipped, input.unstoppable);
    else if (program !== null) {
      // Known from its conf but not (yet) reported by supervisor, or supervisor is unreachable.
      process = {
        name: program,
        state: input.skipped.has(program) ? 'skipped' : 'unknown',
        supervisorState: 'UNKNOWN',
        description: '',
        label: input.labels.get(program) ?? null,
        unstoppable: input.unstoppable?.has(program) ?? false,
      };
    }
    return {
      label: entry.label,
      hostname: entry.hostname,
      externalPort: entry.externalPort,
      internalPort: entry.internalPort,
      path: entry.path,
      publicPort: input.publicPorts[entry.externalPort] ?? null,
      process,
    };
  });
}
