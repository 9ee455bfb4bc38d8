// A stand-in supervisord for specs and the local e2e: real XML-RPC over HTTP on a unix socket, a few programs whose
// states move the way supervisor's do (STARTING -> RUNNING, STOPPING -> STOPPED), and a fresh log on every start.
import { appendFileSync, existsSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { decodeMethodCall, encodeFault, encodeMethodResponse, type XmlRpcValue } from '../server/xmlrpc';

export interface FakeProgram {
  name: string;
  statename: string;
}

export interface FakeSupervisor {
  calls: Array<{ method: string; params: XmlRpcValue[] }>;
  state(name: string): string | undefined;
  setState(name: string, statename: string): void;
  close(): Promise<void>;
}

const FAULTS = { BAD_NAME: 10, ALREADY_STARTED: 60, NOT_RUNNING: 70 };

export async function startFakeSupervisor(options: {
  socketPath: string;
  programs: FakeProgram[];
  /** When set, every start rotates <logDir>/<name>.log to .old and writes `fake-supervisor: <name> started (start N)`. */
  logDir?: string;
  transitionMs?: number;
}): Promise<FakeSupervisor> {
  const transitionMs = options.transitionMs ?? 300;
  const programs = new Map(options.programs.map((p) => [p.name, { ...p, starts: 0, pid: 0 }]));
  const calls: FakeSupervisor['calls'] = [];
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const info = (p: { name: string; statename: string; pid: number }): XmlRpcValue => ({
    name: p.name,
    group: p.name,
    statename: p.statename,
    state: { STOPPED: 0, STARTING: 10, RUNNING: 20, BACKOFF: 30, STOPPING: 40, EXITED: 100, FATAL: 200 }[p.statename] ?? 1000,
    description: p.statename === 'RUNNING' ? `pid ${p.pid}, uptime 0:00:01` : p.statename === 'STOPPED' ? 'Not started' : '',
    pid: p.statename === 'RUNNING' ? p.pid : 0,
    exitstatus: 0,
    spawnerr: '',
    logfile: '/dev/stdout',
    stdout_logfile: '/dev/stdout',
    stderr_logfile: '',
    start: 0,
    stop: 0,
    now: 0,
  });

  const methods: Record<string, (params: XmlRpcValue[]) => Promise<XmlRpcValue>> = {
    // supervisorctl checks the API version before anything else.
    'supervisor.getVersion': async () => '3.0',
    'supervisor.getAPIVersion': async () => '3.0',
    'supervisor.getAllProcessInfo': async () => [...programs.values()].map(info),
    'supervisor.getProcessInfo': async ([name]) => {
      const p = programs.get(String(name));
      if (!p) throw { code: FAULTS.BAD_NAME, message: `BAD_NAME: ${name}` };
      return info(p);
    },
    'supervisor.startProcess': async ([name, wait]) => {
      const p = programs.get(String(name));
      if (!p) throw { code: FAULTS.BAD_NAME, message: `BAD_NAME: ${name}` };
      if (p.statename === 'RUNNING' || p.statename === 'STARTING')
        throw { code: FAULTS.ALREADY_STARTED, message: `ALREADY_STARTED: ${name}` };
      p.statename = 'STARTING';
      p.starts += 1;
      p.pid = 1000 + p.starts;
      if (options.logDir) {
        // As logging.sh does when a service starts: the previous log becomes .old and a new one begins.
        const log = join(options.logDir, `${p.name}.log`);
        if (existsSync(log)) renameSync(log, `${log}.old`);
        appendFileSync(log, `fake-supervisor: ${p.name} started (start ${p.starts})\n`);
      }
      const done = later(transitionMs).then(() => {
        if (p.statename === 'STARTING') p.statename = 'RUNNING';
      });
      if (wait) await done;
      return true;
    },
    'supervisor.stopProcess': async ([name, wait]) => {
      const p = programs.get(String(name));
      if (!p) throw { code: FAULTS.BAD_NAME, message: `BAD_NAME: ${name}` };
      if (p.statename !== 'RUNNING' && p.statename !== 'STARTING') throw { code: FAULTS.NOT_RUNNING, message: `NOT_RUNNING: ${name}` };
      p.statename = 'STOPPING';
      const done = later(transitionMs).then(() => {
        if (p.statename === 'STOPPING') p.statename = 'STOPPED';
      });
      if (wait) await done;
      return true;
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/RPC2') {
        res.writeHead(404).end();
        return;
      }
      const { method, params } = decodeMethodCall(Buffer.concat(chunks).toString('utf8'));
      calls.push({ method, params });
      const run = methods[method];
      let body: string;
      try {
        if (!run) throw { code: 1, message: 'UNKNOWN_METHOD' };
        body = encodeMethodResponse(await run(params));
      } catch (fault) {
        const f = fault as { code: number; message: string };
        body = encodeFault(f.code, f.message);
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  return {
    calls,
    state: (name) => programs.get(name)?.statename,
    setState: (name, statename) => {
      const p = programs.get(name);
      if (p) p.statename = statename;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
