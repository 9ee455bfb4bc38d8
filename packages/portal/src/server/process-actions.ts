// Start, stop and restart through supervisor, and how supervisor's answers become HTTP statuses. Shared by
// POST /api/processes/<name>/<action> and upstream's POST /supervisor/process/<name>/<action>.
import { spawn } from 'node:child_process';
import { HttpError } from './http-kit';
import type { NormalizedPortalServerSettings } from './settings';
import { SupervisorFaults, SupervisorUnreachable, XmlRpcFault, type SupervisorClient } from './supervisor-client';

export function supervisorErrorStatus(error: unknown): HttpError {
  if (error instanceof XmlRpcFault) {
    if (error.code === SupervisorFaults.BAD_NAME)
      return new HttpError(404, `supervisor has no program of that name (${error.faultString}).`);
    return new HttpError(409, `supervisor refused: ${error.faultString}`);
  }
  if (error instanceof SupervisorUnreachable) return new HttpError(503, error.message);
  return new HttpError(500, (error as Error).message);
}

export async function runAction(supervisor: SupervisorClient, name: string, action: string): Promise<string | null> {
  const ignoring = async (fault: number, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (error) {
      if (error instanceof XmlRpcFault && error.code === fault) return false;
      throw error;
    }
  };
  if (action === 'start') {
    return (await ignoring(SupervisorFaults.ALREADY_STARTED, () => supervisor.startProcess(name, false))) ? null : 'it was already running';
  }
  if (action === 'stop') {
    return (await ignoring(SupervisorFaults.NOT_RUNNING, () => supervisor.stopProcess(name, true))) ? null : 'it was not running';
  }
  // restart: wait for the stop so the start does not race it; don't wait for the start (the page polls the state).
  await ignoring(SupervisorFaults.NOT_RUNNING, () => supervisor.stopProcess(name, true));
  await supervisor.startProcess(name, false);
  return null;
}

/**
 * Whether `name` is the program this portal runs as. supervisord puts SUPERVISOR_PROCESS_NAME in the environment of
 * what it starts; the pid it reports is the launch script's, not node's, so the pid cannot tell.
 */
export function isOwnProgram(settings: NormalizedPortalServerSettings, name: string): boolean {
  return settings.env.SUPERVISOR_PROCESS_NAME === name;
}

/**
 * Restarting the portal's own program from inside it would stop the caller before it could start itself again, so
 * the restart is handed to a supervisorctl in a session of its own (supervisor's stop does not reach it), as upstream
 * does for every restart.
 */
export function restartOwnProgram(settings: NormalizedPortalServerSettings, name: string): void {
  const child = spawn('supervisorctl', ['-s', `unix://${settings.supervisorSocket}`, 'restart', name], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
