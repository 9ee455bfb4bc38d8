// Upstream's API paths against the real server (fixture files, the fake supervisor speaking XML-RPC), each answer
// parsed with the schema in upstream-schemas.ts.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { UPSTREAM_MANIFEST_KEYS } from '@vast/conventions/testing';
import { FAKE_CLOUDFLARED } from '../testing/fake-cloudflared';
import { freePort } from '../testing/free-port';
import { startPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { makeTempDir, type TempDir } from '../testing/temp-dir';
import {
  applicationsSchema,
  capabilitiesSchema,
  directUrlSchema,
  errorDetailSchema,
  logMessageSchema,
  processActionSchema,
  processesSchema,
  provisionResponseSchema,
  quickTunnelsSchema,
  serviceInfoSchema,
  systemMetricsSchema,
  tunnelUrlSchema,
} from './upstream-schemas';

const bin: { dir?: TempDir } = {};

/** An executable script in the spec's bin folder (execa's fixtures pattern). */
function fakeBinary(name: string, script: string): string {
  bin.dir ??= makeTempDir('portal-fake-bin-');
  const path = bin.dir.file(name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

afterAll(() => bin.dir?.remove());

async function get(fixture: PortalFixture, path: string, init?: RequestInit) {
  const response = await fetch(`${fixture.url}${path}`, init);
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // a text body
  }
  return { status: response.status, json, text, headers: response.headers };
}
const post = (fixture: PortalFixture, path: string) => get(fixture, path, { method: 'POST' });

/**
 * Follows /ws-logs with a real WebSocket client until `done` (a JS expression over `seen`, the messages, and `pong`)
 * holds, and returns the messages, each checked against upstream's schema. `onOpen` writes logs once connected; a
 * `step` writes more once its `when` holds. Node 20's WebSocket client (undici) is behind a flag: a child runs it.
 */
async function followLogStream(
  fixture: PortalFixture,
  done: string,
  onOpen: () => void,
  step?: { when: string; then: () => void },
): Promise<Array<ReturnType<typeof logMessageSchema.parse>>> {
  const client = spawn(
    process.execPath,
    [
      '--experimental-websocket',
      '--no-warnings',
      '-e',
      `const ws = new WebSocket(${JSON.stringify(fixture.url.replace('http', 'ws') + '/ws-logs')});
       const seen = []; let pong = false; let stepped = false;
       ws.onopen = () => { console.log('open'); ws.send('ping'); };
       ws.onmessage = (e) => { if (e.data === 'pong') pong = true; else if (e.data !== 'heartbeat') seen.push(JSON.parse(e.data));
         if (!stepped && (${step?.when ?? 'false'})) { stepped = true; console.log('step'); }
         if (${done}) { console.log(JSON.stringify(seen)); ws.close(); process.exit(0); } };
       setTimeout(() => { console.log(JSON.stringify(seen)); process.exit(2); }, 15000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  client.stdout.setEncoding('utf8');
  client.stdout.on('data', (chunk: string) => {
    const before = output;
    output += chunk;
    if (!before.includes('open') && output.includes('open')) setTimeout(onOpen, 300);
    if (step && !before.includes('step') && output.includes('step')) step.then();
  });
  const code = await new Promise((resolve) => client.on('exit', resolve));
  expect(code, output).toBe(0);
  const messages = JSON.parse(output.split('\n').find((line) => line.startsWith('[')) ?? '[]') as unknown[];
  return messages.map((m) => logMessageSchema.parse(m));
}

describe("upstream's API on the portal server", () => {
  let fixture: PortalFixture;

  beforeAll(async () => {
    fixture = await startPortalFixture({
      env: {
        VAST_TCP_PORT_1111: '41111',
        PUBLIC_IPADDR: '203.0.113.7',
        CONTAINER_ID: '1234',
        VAST_CONTAINERLABEL: 'C.1234',
        PORTAL_CLOUDFLARED: '/nonexistent/cloudflared',
      },
      transitionMs: 100,
    });
  });
  afterAll(() => fixture?.stop());

  it('GET /get-applications: portal.yaml keyed by name, with target_url and mapped_port', async () => {
    const { status, json } = await get(fixture, '/get-applications');
    expect(status).toBe(200);
    const apps = applicationsSchema.parse(json);
    expect(Object.keys(apps)).toEqual(['Instance Portal', 'Jupyter', 'Jupyter Terminal', 'Syncthing']);
    expect(apps['Instance Portal']).toEqual({
      hostname: 'localhost',
      external_port: 1111,
      internal_port: 11111,
      open_path: '/',
      name: 'Instance Portal',
      target_url: 'http://localhost:1111',
      mapped_port: '41111',
    });
    expect(apps.Jupyter.mapped_port).toBe('');
  });

  it('GET /supervisor/processes: statenames, unstoppable, skipped and launch-mode Jupyter hidden', async () => {
    const processes = processesSchema.parse((await get(fixture, '/supervisor/processes')).json);
    expect(processes.map((p) => [p.name, p.state, p.unstoppable])).toEqual([
      ['caddy', 'RUNNING', true],
      ['cron', 'RUNNING', false],
      ['instance_portal', 'RUNNING', true],
      ['jupyter', 'RUNNING', false],
    ]);
    fixture.setMarker('.launch' as never, true);
    try {
      const hidden = processesSchema.parse((await get(fixture, '/supervisor/processes')).json);
      expect(hidden.map((p) => p.name)).not.toContain('jupyter');
    } finally {
      fixture.setMarker('.launch' as never, false);
    }
  });

  it('POST /supervisor/process/{name}/{action}: ok, 403 for the unstoppable, 400 with the fault, 404 and 405', async () => {
    const stop = await post(fixture, '/supervisor/process/jupyter/stop');
    expect(processActionSchema.parse(stop.json)).toEqual({ status: 'ok', name: 'jupyter', action: 'stop' });
    expect(fixture.supervisor.state('jupyter')).toBe('STOPPED');
    const start = await post(fixture, '/supervisor/process/jupyter/start');
    expect(processActionSchema.parse(start.json).action).toBe('start');

    const refused = await post(fixture, '/supervisor/process/caddy/stop');
    expect([refused.status, errorDetailSchema.parse(refused.json).detail]).toEqual([403, "Process 'caddy' cannot be stopped"]);
    const unknown = await post(fixture, '/supervisor/process/nope/start');
    expect(unknown.status).toBe(400);
    expect(errorDetailSchema.parse(unknown.json).detail).toMatch(/BAD_NAME/);
    expect((await post(fixture, '/supervisor/process/nope/restart')).status).toBe(404);
    expect((await get(fixture, '/supervisor/process/jupyter/start')).status).toBe(405);
    const crossSite = await get(fixture, '/supervisor/process/jupyter/stop', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
  });

  it('our /api refuses to stop the same programs', async () => {
    const refused = await get(fixture, '/api/processes/caddy/stop', { method: 'POST', headers: { 'x-portal-request': '1' } });
    expect(refused.status).toBe(403);
    expect(fixture.supervisor.state('caddy')).toBe('RUNNING');
    const processes = (await get(fixture, '/api/processes')).json as { processes: Array<{ name: string; unstoppable: boolean }> };
    expect(processes.processes.filter((p) => p.unstoppable).map((p) => p.name)).toEqual(['caddy', 'instance_portal']);
  });

  it('POST .../restart answers at once and the program comes back', async () => {
    const restart = await post(fixture, '/supervisor/process/cron/restart');
    expect(processActionSchema.parse(restart.json)).toEqual({ status: 'ok', name: 'cron', action: 'restart' });
    await expect
      .poll(() => fixture.supervisor.calls.filter((c) => c.method === 'supervisor.startProcess' && c.params[0] === 'cron').length)
      .toBe(1);
    await expect.poll(() => fixture.supervisor.state('cron')).toBe('RUNNING');
  });

  it('GET /system-metrics: RAM, CPU, disk; no GPU is reported as none, with the reason, never as zero load', async () => {
    const metrics = systemMetricsSchema.parse((await get(fixture, '/system-metrics')).json);
    expect(metrics.ram.total).toBeGreaterThan(0);
    expect(metrics.disk.total).toBeGreaterThan(0);
    expect(metrics.cpu.count).toBeGreaterThan(0);
    expect(metrics.volume).toBeUndefined();
    expect(metrics.gpu).toMatchObject({ count: 0, avg_load_percent: null, memory_used: null, gpus: [], summary: 'No GPU detected' });
    expect(metrics.gpu.errors?.nvidia).toMatch(/not installed/);
  });

  it('GET /download-logs: a zip of every log, named as asked', async () => {
    fixture.writeLog('provisioning', 'step 1 of 3');
    const response = await fetch(`${fixture.url}/download-logs?filename=C.1234_logs_2026-01-01T00-00-00-000Z`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="C.1234_logs_2026-01-01T00-00-00-000Z.zip"');
    const zip = fixture.dir.file('logs.zip');
    writeFileSync(zip, Buffer.from(await response.arrayBuffer()));
    const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
    // The earlier tests started jupyter and cron: the fake supervisor wrote their logs, and rotated jupyter's to .old.
    expect(listing).toEqual(['log/cron.log', 'log/jupyter.log', 'log/jupyter.log.old', 'log/provisioning.log']);
    expect(execFileSync('unzip', ['-p', zip, 'log/provisioning.log'], { encoding: 'utf8' })).toBe('step 1 of 3\n');
    execFileSync('unzip', ['-tq', zip]); // CRCs check out
    const defaultName = (await fetch(`${fixture.url}/download-logs`)).headers.get('content-disposition');
    expect(defaultName).toMatch(/^attachment; filename="logs_\d{8}_\d{6}\.zip"$/);
  });

  it('WS /ws-logs: system message, replay, a new coloured line, pong', async () => {
    fixture.writeLog('caddy', 'caddy: serving');
    const messages = await followLogStream(
      fixture,
      "pong && seen.some((m) => m.type === 'append' && m.html.includes('fresh')) && seen.some((m) => m.type === 'overwrite')",
      () => {
        fixture.writeLog('jupyter', '\x1b[32mfresh line\x1b[0m');
        // A progress bar that has not finished its line: its current state is sent as an overwrite.
        appendFileSync(fixture.dir.file('log/jupyter.log'), 'download 10%\rdownload 60%\r');
      },
    );
    expect(messages[0]).toEqual({ type: 'system', html: 'Connected to log stream' });
    expect(messages).toContainEqual({ type: 'append', html: 'caddy: serving', file: 'caddy.log' });
    expect(messages).toContainEqual({ type: 'append', html: '<span class="ansi-fg-2">fresh line</span>', file: 'jupyter.log' });
    expect(messages).toContainEqual({ type: 'overwrite', html: 'download 60%', file: 'jupyter.log' });
    expect(messages.filter((m) => (m as { html?: string }).html?.includes('download'))).toEqual([
      { type: 'overwrite', html: 'download 60%', file: 'jupyter.log' },
    ]);
  });

  it("WS /ws-logs: pip's two progress bars redrawn with cursor-up arrive as overwrite_block", async () => {
    // pip's own output, recorded (log-recordings/record-pip-progress.py): the first draw, then one redraw.
    const [first, redraw] = readFileSync(join(__dirname, 'log-recordings/pip-two-downloads.ansi'), 'utf8').split(/(?=\r\x1b\[2K\x1b\[1A)/);
    const log = fixture.dir.file('log/pip.log');
    const messages = await followLogStream(
      fixture,
      "seen.some((m) => m.type === 'overwrite_block' && m.file === 'pip.log')",
      () => appendFileSync(log, first),
      {
        when: "seen.some((m) => m.type === 'overwrite' && m.file === 'pip.log')",
        then: () => appendFileSync(log, redraw),
      },
    );
    const pip = messages.filter((m) => 'file' in m && m.file === 'pip.log');
    const text = (html: string) => html.replace(/<[^>]+>/g, '');
    expect(pip.map((m) => m.type)).toEqual(['append', 'overwrite', 'overwrite_block']);
    const block = pip[2];
    if (block.type !== 'overwrite_block') throw new Error('not a block');
    expect(block.lines.map(text)).toEqual(['torch.whl ━━━━━╺━━━━━━━━━━━━━━ 1.0/4.0 MB', 'numpy.whl ━━━━━╺━━━━━━━━━━━━━━ 0.5/2.0 MB']);
    expect(block.lines[0]).toContain('class="ansi-fg-9"');
    expect([block.replace, block.pending]).toEqual([2, true]);
  });

  it('GET /capabilities and friends: the manifest from the fragments, portal.yaml and supervisor', async () => {
    writeFileSync(
      fixture.dir.file('capabilities.d/10-base.yaml'),
      'image:\n  note: base\ntools:\n  - name: jq\n    description: JSON\npython_environments:\n  - name: main\n    path: /venv/main\n    packages_of_interest: [jupyterlab]\n',
    );
    writeFileSync(
      fixture.dir.file('capabilities.d/30-app.yaml'),
      'image:\n  name: app\nopenai_endpoints:\n  - service: Jupyter\n    path: /v1\n    capabilities: [chat]\n    models_path: /v1/models\npython_environments:\n  - name: main\n    packages_of_interest: [torch, jupyterlab]\n',
    );
    const manifest = capabilitiesSchema.parse((await get(fixture, '/capabilities')).json);
    expect(manifest.image).toEqual({ note: 'base', name: 'app', repo: 'https://github.com/vast-ai/base-image' });
    expect(manifest.python_environments).toEqual([{ name: 'main', path: '/venv/main', packages_of_interest: ['jupyterlab', 'torch'] }]);
    expect(manifest.services.find((s) => s.name === 'Jupyter')).toMatchObject({
      supervisor_process: 'jupyter',
      state: 'RUNNING',
      capabilities: ['chat'],
    });
    expect(manifest.instance).toMatchObject({ container_id: '1234', public_ip: '203.0.113.7' });
    expect(manifest.instance.open_ports).toEqual([
      { proto: 'tcp', container_port: 1111, public_port: '41111', in_use: true, service: 'Instance Portal' },
    ]);
    expect(Object.keys(manifest)).toEqual(UPSTREAM_MANIFEST_KEYS);
    // The live manifest is the static one's assembler with live facts: the CUDA block is there too.
    expect(manifest.hardware.gpu).toMatchObject({ cuda: { driver_max_cuda: null } });
    expect(manifest.discovery.openapi_url).toBeNull();
    const withMetrics = capabilitiesSchema.parse((await get(fixture, '/.well-known/vast-capabilities?include=metrics')).json);
    expect(Object.keys(withMetrics.hardware)).toEqual(['gpu', 'cpu', 'ram', 'disk']);
    const services = (await get(fixture, '/capabilities/services')).json as unknown[];
    expect(services.map((s) => serviceInfoSchema.parse(s).name)).toEqual(['Instance Portal', 'Jupyter', 'Jupyter Terminal', 'Syncthing']);
    expect((await get(fixture, '/capabilities/endpoints')).json).toEqual([
      {
        service: 'Jupyter',
        base_url: null,
        internal_base_url: 'http://localhost:18080/v1',
        capabilities: ['chat'],
        models_path: '/v1/models',
        auth: { type: 'bearer', token_env: ['OPEN_BUTTON_TOKEN', 'WEB_PASSWORD'] },
      },
    ]);
  });

  it('GET /capabilities?include=packages asks each environment’s python for its packages of interest', async () => {
    // A stand-in environment: its bin/python answers as the importlib.metadata script does, for the names it is given.
    const envDir = fixture.dir.file('venv-e2e');
    mkdirSync(`${envDir}/bin`, { recursive: true });
    writeFileSync(`${envDir}/pyvenv.cfg`, 'home = /usr/bin\n');
    writeFileSync(
      `${envDir}/bin/python`,
      '#!/bin/sh\nshift 2\n[ "$*" = "torch missing-pkg" ] && echo \'{"torch": "2.4.0", "missing-pkg": null}\'\n',
    );
    chmodSync(`${envDir}/bin/python`, 0o755);
    writeFileSync(
      fixture.dir.file('capabilities.d/40-env.yaml'),
      `python_environments:\n  - name: e2e\n    path: ${envDir}\n    packages_of_interest: [torch, missing-pkg]\n`,
    );
    const manifest = capabilitiesSchema.parse((await get(fixture, '/capabilities?include=packages')).json);
    expect(manifest.python_environments.find((e) => e.name === 'e2e')).toEqual({
      name: 'e2e',
      path: envDir,
      kind: 'venv',
      packages_of_interest: ['torch', 'missing-pkg'],
      package_versions: { torch: '2.4.0', 'missing-pkg': null },
    });
    const plain = capabilitiesSchema.parse((await get(fixture, '/capabilities')).json);
    expect(plain.python_environments.find((e) => e.name === 'e2e')).not.toHaveProperty('package_versions');
  });

  it('direct URLs: from VAST_TCP_PORT_<n> and the public IP, 404 without a mapping', async () => {
    expect(directUrlSchema.parse((await get(fixture, '/get-direct-url/1111')).json)).toEqual({ result: 'http://203.0.113.7:41111' });
    const none = await get(fixture, '/get-direct-url/8080');
    expect([none.status, none.json]).toEqual([404, { detail: 'Direct URL unavailable' }]);
  });

  it('tunnels without cloudflared: empty lists, 404s, and the reason on create', async () => {
    expect(quickTunnelsSchema.parse((await get(fixture, '/get-all-quick-tunnels')).json)).toEqual([]);
    expect((await get(fixture, '/get-existing-quick-tunnel/http://localhost:1111')).status).toBe(404);
    expect((await get(fixture, '/get-named-tunnels')).json).toEqual({ detail: 'Tunnel config not found' });
    const create = await post(fixture, '/start-quick-tunnel/http://localhost:1111');
    expect(create.status).toBe(503);
    expect(errorDetailSchema.parse(create.json).detail).toMatch(/^tunnels unavailable: \/nonexistent\/cloudflared is not on PATH/);
  });
});

describe("restarting the portal's own program", () => {
  let fixture: PortalFixture;

  beforeAll(async () => {
    // As supervisord starts it: SUPERVISOR_PROCESS_NAME names the program the portal runs as.
    fixture = await startPortalFixture({ env: { SUPERVISOR_PROCESS_NAME: 'instance_portal' }, transitionMs: 100 });
  });
  afterAll(() => fixture?.stop());

  const startsOfPortal = () =>
    fixture.supervisor.calls.filter((c) => c.method === 'supervisor.startProcess' && c.params[0] === 'instance_portal').length;

  it('hands the restart to a supervisorctl outside the portal (upstream route and /api)', async () => {
    expect(processActionSchema.parse((await post(fixture, '/supervisor/process/instance_portal/restart')).json).action).toBe('restart');
    await expect.poll(startsOfPortal, { timeout: 15_000 }).toBe(1);
    const api = await get(fixture, '/api/processes/instance_portal/restart', { method: 'POST', headers: { 'x-portal-request': '1' } });
    expect((api.json as { note: string }).note).toMatch(/restarts itself/);
    await expect.poll(startsOfPortal, { timeout: 15_000 }).toBe(2);
    // Both went through supervisorctl: it asks the API version first; the portal never does.
    expect(fixture.supervisor.calls.filter((c) => c.method === 'supervisor.getVersion').length).toBeGreaterThanOrEqual(2);
  });
});

describe('quick tunnels through a stand-in cloudflared', () => {
  let fixture: PortalFixture;

  beforeAll(async () => {
    // Prints cloudflared's documented start-up lines on stderr, then runs until stopped.
    const cloudflared = fakeBinary(
      'cloudflared',
      `echo "$(date -u +%FT%TZ) INF Requesting new quick Tunnel on trycloudflare.com..." >&2
echo "$(date -u +%FT%TZ) INF |  https://fake-$$-tunnel-words.trycloudflare.com                          |" >&2
echo "args: $*" >&2
exec sleep 300`,
    );
    fixture = await startPortalFixture({ env: { PORTAL_CLOUDFLARED: cloudflared } });
  });
  afterAll(() => fixture?.stop());

  it('starts, finds, lists, refreshes and stops a quick tunnel', async () => {
    const target = 'http://localhost:1111';
    const created = tunnelUrlSchema.parse((await post(fixture, `/start-quick-tunnel/${target}`)).json).tunnel_url;
    expect(created).toMatch(/^https:\/\/fake-\d+-tunnel-words\.trycloudflare\.com$/);
    expect((await get(fixture, `/get-existing-quick-tunnel/${target}`)).text).toBe(created);
    expect(quickTunnelsSchema.parse((await get(fixture, '/get-all-quick-tunnels')).json)).toEqual([
      { targetUrl: target, tunnelUrl: created },
    ]);
    const refreshed = tunnelUrlSchema.parse((await post(fixture, `/refresh-quick-tunnel/${target}`)).json).tunnel_url;
    expect(refreshed).not.toBe(created);
    expect((await post(fixture, `/stop-quick-tunnel/${target}`)).json).toEqual({ message: 'Quick tunnel stopped successfully' });
    expect((await post(fixture, `/stop-quick-tunnel/${target}`)).status).toBe(404);
    expect((await get(fixture, '/get-all-quick-tunnels')).json).toEqual([]);
  });
});

describe('the named tunnel of CF_TUNNEL_TOKEN through a stand-in cloudflared, beside a quick tunnel', () => {
  let fixture: PortalFixture;
  const ingress = [
    { hostname: 'comfy.example.com', service: 'http://localhost:18188' },
    { hostname: 'portal.example.com', service: 'http://localhost:11111' },
  ];

  beforeAll(async () => {
    fixture = await startPortalFixture({
      env: {
        PATH: process.env.PATH ?? '',
        PORTAL_CLOUDFLARED: FAKE_CLOUDFLARED,
        CF_TUNNEL_TOKEN: 'eyJhIjoiZmFrZSJ9',
        CLOUDFLARE_METRICS: `127.0.0.1:${await freePort()}`,
        FAKE_CLOUDFLARED_INGRESS: JSON.stringify(ingress),
      },
    });
  });
  afterAll(() => fixture?.stop());

  it("lists the ingress from cloudflared's metrics server and looks a port up, as upstream's routes do", async () => {
    // The metrics server comes up with cloudflared: 404 until then, as upstream answers.
    await expect.poll(async () => (await get(fixture, '/get-named-tunnels')).status, { timeout: 10_000 }).toBe(200);
    expect(quickTunnelsSchema.parse((await get(fixture, '/get-named-tunnels')).json)).toEqual([
      { targetUrl: 'http://localhost:18188', tunnelUrl: 'https://comfy.example.com' },
      { targetUrl: 'http://localhost:11111', tunnelUrl: 'https://portal.example.com' },
    ]);
    const byPort = await get(fixture, '/get-existing-named-tunnel/11111');
    expect([byPort.status, byPort.text]).toEqual([200, 'https://portal.example.com']);
    expect((await get(fixture, '/get-existing-named-tunnel/8080')).status).toBe(404);
  });

  it('GET /api/tunnels lists both kinds with their states: the connector from its output, the quick tunnel running', async () => {
    const target = 'http://localhost:1111';
    const created = tunnelUrlSchema.parse((await post(fixture, `/start-quick-tunnel/${target}`)).json).tunnel_url;
    await expect
      .poll(async () => (await get(fixture, '/api/tunnels')).json, { timeout: 10_000 })
      .toMatchObject({ named: { connections: 4 } });
    expect((await get(fixture, '/api/tunnels')).json).toEqual({
      unavailable: null,
      named: { state: 'connected', connections: 4, locations: ['ams08', 'fra13', 'ams01', 'fra06'], error: null },
      tunnels: [
        {
          kind: 'named',
          hostname: 'comfy.example.com',
          tunnelUrl: 'https://comfy.example.com',
          targetUrl: 'http://localhost:18188',
          state: 'connected',
        },
        {
          kind: 'named',
          hostname: 'portal.example.com',
          tunnelUrl: 'https://portal.example.com',
          targetUrl: 'http://localhost:11111',
          state: 'connected',
        },
        { kind: 'quick', hostname: new URL(created).hostname, tunnelUrl: created, targetUrl: target, state: 'running' },
      ],
    });
  });
});

describe('GPU metrics through a stand-in nvidia-smi', () => {
  it('reports each GPU and upstream’s totals from nvidia-smi’s CSV', async () => {
    const nvidiaSmi = fakeBinary(
      'nvidia-smi',
      `printf '0, NVIDIA A100-SXM4-80GB, 40, 1000, 81920, 50, 100.5, 400.00\\n1, NVIDIA A100-SXM4-80GB, 60, 3000, 81920, 55, [N/A], [N/A]\\n'`,
    );
    const fixture = await startPortalFixture({ env: { PORTAL_NVIDIA_SMI: nvidiaSmi } });
    try {
      mkdirSync(fixture.dir.file('workspace'));
      const metrics = systemMetricsSchema.parse((await get(fixture, '/system-metrics')).json);
      expect(metrics.gpu).toEqual({
        count: 2,
        avg_load_percent: 50,
        memory_used: 4000,
        memory_total: 163840,
        memory_percent: 2.4,
        memory_unit: 'MB',
        nvidia_count: 2,
        summary: '2× NVIDIA A100-SXM4-80GB',
        gpus: [
          {
            index: 0,
            name: 'NVIDIA A100-SXM4-80GB',
            utilization_percent: 40,
            memory_used_mb: 1000,
            memory_total_mb: 81920,
            temperature_c: 50,
            power_draw_w: 100.5,
            power_limit_w: 400,
          },
          {
            index: 1,
            name: 'NVIDIA A100-SXM4-80GB',
            utilization_percent: 60,
            memory_used_mb: 3000,
            memory_total_mb: 81920,
            temperature_c: 55,
          },
        ],
      });
    } finally {
      await fixture.stop();
    }
  });
});

describe('POST /capabilities/provision', () => {
  let fixture: PortalFixture;
  let work: TempDir;
  const postJson = (body: unknown) =>
    get(fixture, '/capabilities/provision', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const provisionTemps = () => readdirSync(work.file('tmp')).filter((name) => /^provision-.*\.yaml$/.test(name));

  /** Waits until the detached run has written its record line and removed its temp manifest, then returns the record. */
  async function recordedRun(): Promise<{ argv: string[]; manifest: string; sid: string }> {
    for (let i = 0; i < 200; i++) {
      const done = existsSync(work.file('record.json')) && provisionTemps().length === 0;
      if (done) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(provisionTemps(), 'the temp manifest is removed after the run').toEqual([]);
    const record = JSON.parse(readFileSync(work.file('record.json'), 'utf8')) as { argv: string[]; manifest: string; sid: string };
    execFileSync('rm', ['-f', work.file('record.json')]);
    return record;
  }

  beforeAll(async () => {
    work = makeTempDir('portal-provision-');
    for (const sub of ['tmp', 'state', 'lib']) mkdirSync(work.file(sub));
    // The real provisioner bundle, run with --dry-run; an https source is only recorded (no traffic leaves the host).
    execFileSync(process.execPath, [join(__dirname, '../../../provisioner/scripts/build.mjs')], {
      env: { ...process.env, PROVISIONER_BUILD_OUTDIR: work.file('lib') },
      stdio: 'pipe',
    });
    const provisioner = work.file('provisioner');
    writeFileSync(
      provisioner,
      `#!/bin/bash
manifest=""; case "$1" in https://*) ;; *) manifest="$(cat "$1")" ;; esac
M="$manifest" S="$(ps -o sid= -p $$)" ${JSON.stringify(process.execPath)} -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ argv: process.argv.slice(2), manifest: process.env.M, sid: process.env.S.trim() }))' ${JSON.stringify(work.file('record.json.tmp'))} "$@"
case "$1" in https://*) status=0 ;; *) ${JSON.stringify(process.execPath)} ${JSON.stringify(work.file('lib/provisioner.cjs'))} "$@" --dry-run; status=$? ;; esac
mv ${JSON.stringify(work.file('record.json.tmp'))} ${JSON.stringify(work.file('record.json'))}
exit $status
`,
    );
    chmodSync(provisioner, 0o755);
    fixture = await startPortalFixture({
      env: {
        PORTAL_PROVISIONER: provisioner,
        PORTAL_PROVISIONING_LOG: work.file('provisioning.log'),
        TMPDIR: work.file('tmp'),
        PROVISIONER_STATE_DIR: work.file('state'),
        PROVISIONER_PROGRESS_FILE: work.file('progress.json'),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await fixture?.stop();
    work?.remove();
  });

  it('inline_yaml: validated, written to a temp provision-*.yaml, run by the real provisioner, logged, removed', async () => {
    const response = await postJson({ inline_yaml: 'version: 1\npip_packages:\n  - packages: [rich]\n', pip: ['ignored'] });
    expect(response.status).toBe(200);
    expect(provisionResponseSchema.parse(response.json)).toEqual({
      status: 'started',
      detail: 'Provisioner launched in the background',
      log_file: '/var/log/portal/provisioning.log',
    });
    const run = await recordedRun();
    expect(run.argv[0]).toMatch(/\/provision-[^/]+\.yaml$/);
    expect(run.manifest).toContain('packages: [rich]');
    expect(readFileSync(work.file('provisioning.log'), 'utf8')).toMatch(/\[DRY RUN\] .*pip install .*rich/);
    // Its own session (it outlives a portal restart), and the boot markers are left alone.
    expect(run.sid).not.toBe(execFileSync('ps', ['-o', 'sid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim());
    expect(readdirSync(fixture.dir.file('markers'))).toEqual([]);
  });

  it('the simple lists build a manifest with a dest for each repo and non-HF download; HF URLs keep the cache', async () => {
    const response = await postJson({
      pip: ['numpy', 'rich'],
      git_repos: ['https://github.com/comfyanonymous/ComfyUI.git'],
      downloads: ['https://example.com/files/model.bin', 'https://huggingface.co/org/repo/resolve/main/w.safetensors'],
    });
    expect(provisionResponseSchema.parse(response.json).status).toBe('started');
    const run = await recordedRun();
    const workspace = fixture.settings.workspace;
    expect(parseYaml(run.manifest)).toEqual({
      version: 1,
      pip_packages: [{ packages: ['numpy', 'rich'] }],
      git_repos: [{ url: 'https://github.com/comfyanonymous/ComfyUI.git', dest: `${workspace}/ComfyUI` }],
      downloads: [
        { url: 'https://example.com/files/model.bin', dest: `${workspace}/downloads/` },
        { url: 'https://huggingface.co/org/repo/resolve/main/w.safetensors' },
      ],
    });
    expect(readFileSync(work.file('provisioning.log'), 'utf8')).toMatch(/\[DRY RUN\] .*git clone .*ComfyUI/);
  });

  it('manifest_url: an https URL goes to the provisioner as its source, first form wins', async () => {
    const response = await postJson({ manifest_url: 'https://example.com/provision.yaml', inline_yaml: 'version: 1\n' });
    expect(provisionResponseSchema.parse(response.json).status).toBe('started');
    expect((await recordedRun()).argv).toEqual(['https://example.com/provision.yaml']);
  });

  it('400s: nothing given, a non-https manifest_url, an invalid inline manifest naming the key path', async () => {
    const nothing = await postJson({});
    expect([nothing.status, errorDetailSchema.parse(nothing.json).detail]).toEqual([
      400,
      'Provide one of: manifest_url, inline_yaml, pip, git_repos, downloads',
    ]);
    const plain = await postJson({ manifest_url: 'http://example.com/provision.yaml' });
    expect([plain.status, errorDetailSchema.parse(plain.json).detail]).toEqual([
      400,
      'manifest_url: must be an https:// URL (the provisioner fetches manifests over https only)',
    ]);
    const bad = await postJson({ inline_yaml: 'version: 1\naptpackages: [jq]\n' });
    expect(bad.status).toBe(400);
    expect(errorDetailSchema.parse(bad.json).detail).toMatch(/^inline_yaml: aptpackages: /);
    expect(provisionTemps()).toEqual([]);
  });

  it('500 when the provisioner cannot be launched, and the temp manifest does not stay behind', async () => {
    const provisioner = fixture.settings.provisioner;
    fixture.settings.provisioner = work.file('missing-provisioner');
    try {
      const response = await postJson({ pip: ['rich'] });
      expect([response.status, errorDetailSchema.parse(response.json).detail]).toEqual([500, 'Failed to launch provisioner']);
      expect(provisionTemps()).toEqual([]);
    } finally {
      fixture.settings.provisioner = provisioner;
    }
  });
});
