// The XML-RPC client against a real supervisord (Debian's supervisor package) on a temp unix socket.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupervisorClient, SupervisorFaults, SupervisorUnreachable, XmlRpcFault, type SupervisorClient } from './supervisor-client';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

const hasSupervisord = spawnSync('supervisord', ['--version'], { encoding: 'utf8' }).status === 0;

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('supervisor client against a real supervisord', () => {
  let dir: TempDir;
  let daemon: ChildProcess;
  let client: SupervisorClient;
  const state = async (name: string) => (await client.getAllProcessInfo()).find((p) => p.name === name)?.statename;

  beforeAll(async () => {
    expect(hasSupervisord, 'supervisord is not installed: apt-get install -y supervisor').toBe(true);
    dir = makeTempDir('portal-supervisord-');
    const socket = dir.file('supervisor.sock');
    writeFileSync(
      dir.file('supervisord.conf'),
      [
        '[unix_http_server]',
        `file=${socket}`,
        'chmod=0700',
        '[supervisord]',
        'nodaemon=true',
        `logfile=${dir.file('supervisord.log')}`,
        `pidfile=${dir.file('supervisord.pid')}`,
        `childlogdir=${dir.path}`,
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[program:sleeper]',
        'command=sleep 600',
        'startsecs=1',
        'environment=PROC_NAME="%(program_name)s",VAST_PORTAL_LABEL="Sleeper"',
        '[program:idle]',
        'command=sleep 600',
        'autostart=false',
        '',
      ].join('\n'),
    );
    daemon = spawn('supervisord', ['-c', dir.file('supervisord.conf')], { stdio: 'ignore' });
    client = createSupervisorClient(socket);
    await until(async () => existsSync(socket) && (await state('sleeper')) === 'RUNNING', 'sleeper to run');
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    dir?.remove();
  });

  it('lists every program with its state', async () => {
    const infos = await client.getAllProcessInfo();
    expect(infos.map((p) => [p.name, p.group, p.statename]).sort()).toEqual([
      ['idle', 'idle', 'STOPPED'],
      ['sleeper', 'sleeper', 'RUNNING'],
    ]);
    expect(infos.find((p) => p.name === 'sleeper')!.pid).toBeGreaterThan(0);
  });

  it('stops and starts a program', async () => {
    expect(await client.stopProcess('sleeper', true)).toBe(true);
    expect(await state('sleeper')).toBe('STOPPED');
    expect(await client.startProcess('sleeper', false)).toBe(true);
    expect(['STARTING', 'RUNNING']).toContain(await state('sleeper'));
    await until(async () => (await state('sleeper')) === 'RUNNING', 'sleeper to run again');
  });

  it("reports supervisor's faults with their codes", async () => {
    await expect(client.startProcess('nope', false)).rejects.toMatchObject({ code: SupervisorFaults.BAD_NAME });
    await expect(client.stopProcess('idle', true)).rejects.toMatchObject({ code: SupervisorFaults.NOT_RUNNING });
    await expect(client.startProcess('sleeper', false)).rejects.toBeInstanceOf(XmlRpcFault);
    await expect(client.startProcess('sleeper', false)).rejects.toMatchObject({ code: SupervisorFaults.ALREADY_STARTED });
  });

  it('says so when nothing listens on the socket', async () => {
    const missing = createSupervisorClient(dir.file('missing.sock'));
    await expect(missing.getAllProcessInfo()).rejects.toBeInstanceOf(SupervisorUnreachable);
    await expect(missing.getAllProcessInfo()).rejects.toThrow(/supervisor is not reachable at .*missing\.sock: .*ENOENT/);
  });
});
