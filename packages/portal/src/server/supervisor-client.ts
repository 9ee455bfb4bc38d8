// Talks to supervisord through its XML-RPC interface on the unix socket (supervisorctl's own channel), so the
// portal sees and changes exactly what supervisor manages.
import { request } from 'node:http';
import { decodeMethodResponse, encodeMethodCall, XmlRpcFault, type XmlRpcValue } from './xmlrpc';

/** supervisor.getProcessInfo's struct, the fields the portal uses. */
export interface ProcessInfo {
  name: string;
  group: string;
  /** STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL or UNKNOWN. */
  statename: string;
  description: string;
  pid: number;
  exitstatus: number;
  spawnerr: string;
  /** Unix times (seconds) of the last start and of supervisor's answer. */
  start: number;
  now: number;
}

/** supervisor's fault codes the portal reacts to (supervisor/xmlrpc.py Faults). */
export const SupervisorFaults = { BAD_NAME: 10, ALREADY_STARTED: 60, NOT_RUNNING: 70 } as const;

export class SupervisorUnreachable extends Error {}

export interface SupervisorClient {
  getAllProcessInfo(): Promise<ProcessInfo[]>;
  startProcess(name: string, wait: boolean): Promise<boolean>;
  stopProcess(name: string, wait: boolean): Promise<boolean>;
}

/** How long a call may take: stopProcess(wait) lasts up to the program's stopwaitsecs (10 s in our confs). */
const CALL_TIMEOUT_MS = 30_000;

export function createSupervisorClient(socketPath: string): SupervisorClient {
  const call = (method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> =>
    new Promise((resolve, reject) => {
      const body = encodeMethodCall(method, params);
      const req = request(
        {
          socketPath,
          path: '/RPC2',
          method: 'POST',
          headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
          timeout: CALL_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(new SupervisorUnreachable(`supervisor answered HTTP ${res.statusCode} on ${socketPath}: ${text.slice(0, 200)}`));
              return;
            }
            try {
              resolve(decodeMethodResponse(text));
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new SupervisorUnreachable(`supervisor did not answer ${method} within ${CALL_TIMEOUT_MS / 1000} s`)),
      );
      req.on('error', (error) =>
        reject(
          error instanceof SupervisorUnreachable
            ? error
            : new SupervisorUnreachable(`supervisor is not reachable at ${socketPath}: ${error.message}`),
        ),
      );
      req.end(body);
    });

  return {
    async getAllProcessInfo() {
      const result = await call('supervisor.getAllProcessInfo', []);
      if (!Array.isArray(result)) throw new Error('supervisor.getAllProcessInfo did not return an array');
      return result.map(toProcessInfo);
    },
    async startProcess(name, wait) {
      return Boolean(await call('supervisor.startProcess', [name, wait]));
    },
    async stopProcess(name, wait) {
      return Boolean(await call('supervisor.stopProcess', [name, wait]));
    },
  };
}

function toProcessInfo(value: XmlRpcValue): ProcessInfo {
  const v = (value ?? {}) as Record<string, XmlRpcValue>;
  return {
    name: String(v.name ?? ''),
    group: String(v.group ?? v.name ?? ''),
    statename: String(v.statename ?? 'UNKNOWN'),
    description: String(v.description ?? ''),
    pid: Number(v.pid ?? 0),
    exitstatus: Number(v.exitstatus ?? 0),
    spawnerr: String(v.spawnerr ?? ''),
    start: Number(v.start ?? 0),
    now: Number(v.now ?? 0),
  };
}

export { XmlRpcFault };
