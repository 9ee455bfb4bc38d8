// A portal server over temp files and the fake supervisor: what the server specs and the local e2e run against.
import { mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { parsePortalConfig, renderPortalYaml } from '@vast/conventions/portal-config';
import { SUPERVISOR_SCRIPTS_DIR, type ProvisioningMarker } from '@vast/conventions/runtime-contract';
import { createPortalServer } from '../server/http-server';
import { readPortalServerSettings, type NormalizedPortalServerSettings } from '../server/settings';
import { createSupervisorClient } from '../server/supervisor-client';
import { startFakeSupervisor, type FakeSupervisor } from './fake-supervisor';
import { closeServer, listenOnLoopback } from './free-port';
import { makeTempDir, type TempDir } from './temp-dir';

export const FIXTURE_PORTAL_CONFIG =
  'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:8384:18384:/:Syncthing';

/** Programs as the base image has them: labelled ones serve applications; syncthing skipped itself. */
const PROGRAMS = [
  { name: 'caddy', statename: 'RUNNING', label: null },
  { name: 'cron', statename: 'RUNNING', label: null },
  { name: 'instance_portal', statename: 'RUNNING', label: 'Instance Portal' },
  { name: 'jupyter', statename: 'RUNNING', label: 'Jupyter' },
  { name: 'syncthing', statename: 'EXITED', label: 'Syncthing' },
];

export const PUBLIC_DIR = join(__dirname, '..', 'public');

export interface PortalFixture {
  dir: TempDir;
  settings: NormalizedPortalServerSettings;
  supervisor: FakeSupervisor;
  url: string;
  port: number;
  writeLog(name: string, line: string): void;
  setMarker(name: ProvisioningMarker, present: boolean): void;
  /** Writes the provisioner's progress file as the provisioner would (text as given, so a torn file can be tested). */
  writeProvisioningProgress(text: string): void;
  stop(): Promise<void>;
}

export interface PortalFixtureOptions {
  /** Where the server listens (on 127.0.0.1); 0 or unset picks a free port. */
  port?: number;
  portalConfig?: string;
  env?: Record<string, string>;
  /** How long the fake supervisor spends in STARTING and STOPPING. */
  transitionMs?: number;
}

export async function startPortalFixture(options: PortalFixtureOptions = {}): Promise<PortalFixture> {
  const dir = makeTempDir('portal-fixture-');
  try {
    return await startIn(dir, options);
  } catch (error) {
    dir.remove();
    throw error;
  }
}

async function startIn(dir: TempDir, options: PortalFixtureOptions): Promise<PortalFixture> {
  for (const sub of ['conf.d', 'log', 'skip', 'markers', 'capabilities.d']) mkdirSync(dir.file(sub));
  const parsed = parsePortalConfig(options.portalConfig ?? FIXTURE_PORTAL_CONFIG);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  writeFileSync(dir.file('portal.yaml'), renderPortalYaml(parsed.entries));
  for (const program of PROGRAMS) {
    const env = [`PROC_NAME="%(program_name)s"`, ...(program.label ? [`VAST_PORTAL_LABEL="${program.label}"`] : [])].join(',');
    writeFileSync(
      dir.file(`conf.d/${program.name}.conf`),
      `[program:${program.name}]\ncommand=${SUPERVISOR_SCRIPTS_DIR}/${program.name}.sh\nenvironment=${env}\n`,
    );
  }
  writeFileSync(dir.file('skip/syncthing'), 'syncthing\n');
  writeFileSync(dir.file('log/jupyter.log'), 'Jupyter Server 2.14 is running at:\nhttp://127.0.0.1:18080/tree\n');
  const supervisor = await startFakeSupervisor({
    socketPath: dir.file('supervisor.sock'),
    programs: PROGRAMS.map(({ name, statename }) => ({ name, statename })),
    logDir: dir.file('log'),
    transitionMs: options.transitionMs,
  });
  const settings = readPortalServerSettings(
    {
      PORTAL_YAML_PATH: dir.file('portal.yaml'),
      PORTAL_SUPERVISOR_SOCKET: dir.file('supervisor.sock'),
      PORTAL_SUPERVISOR_CONF_DIR: dir.file('conf.d'),
      PORTAL_SKIP_DIR: dir.file('skip'),
      PORTAL_LOG_DIR: dir.file('log'),
      PORTAL_MARKER_DIR: dir.file('markers'),
      PORTAL_PROVISIONING_PROGRESS_FILE: dir.file('provisioning-progress.json'),
      PORTAL_LOG_ARCHIVE_DIR: dir.file('log'),
      PORTAL_LINKS_PATH: dir.file('portal-links.yaml'),
      PORTAL_CAPABILITIES_DIR: dir.file('capabilities.d'),
      WORKSPACE: dir.file('workspace'),
      ...options.env,
    },
    { publicDir: PUBLIC_DIR },
  );
  const server: Server = createPortalServer(settings, createSupervisorClient(settings.supervisorSocket));
  let port: number;
  try {
    port = await listenOnLoopback(server, options.port);
  } catch (error) {
    await supervisor.close();
    throw error;
  }
  return {
    dir,
    settings,
    supervisor,
    port,
    url: `http://127.0.0.1:${port}`,
    writeLog: (name, line) => appendFileSync(dir.file(`log/${name}.log`), `${line}\n`),
    setMarker: (name, present) =>
      present ? writeFileSync(dir.file(`markers/${name}`), '') : rmSync(dir.file(`markers/${name}`), { force: true }),
    writeProvisioningProgress: (text) => writeFileSync(dir.file('provisioning-progress.json'), text),
    stop: async () => {
      await closeServer(server);
      await supervisor.close();
      dir.remove();
    },
  };
}
