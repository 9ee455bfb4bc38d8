/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The Instance Portal in headless Chromium (Debian's, driven by playwright-core), through Caddy's auth gate.
//
// Two targets:
// - local (default): the portal server over fixture files and a fake supervisord (real XML-RPC on a unix socket),
//   behind a real `caddy run` of the Caddyfile that portal-config writes.
// - a booted container: set PORTAL_E2E_URL (the portal through Caddy, e.g. http://127.0.0.1:1111/) and
//   PORTAL_E2E_TOKEN, plus optionally PORTAL_E2E_APPS (comma-separated labels, in order), PORTAL_E2E_SERVICE
//   (the application whose service is restarted, default Jupyter) and PORTAL_E2E_LOG_LINE (a regex for a line that
//   service writes when it starts).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONING_MARKERS, PROVISIONING_PROGRESS_FILE, provisioningMarkerPath, type ProvisioningMarker } from '@vast/conventions';
import { execInContainer, inspectContainer, publishedPort, startSmokeContainer } from '@vast/plugin/testing';
import { buildLocalBaseImage } from '../support/local-base-image';
import { launchChromium, type ChromiumSession } from '../support/chromium';
import { eventually } from '../support/eventually';
import { applyPortalConfig } from '@vast/portal/apply-portal-config';
import {
  capabilitiesSchema,
  FAKE_CLOUDFLARED,
  freePort,
  hasCaddy,
  processesSchema,
  provisionResponseSchema,
  runCaddy,
  startAuthGate,
  startPortalFixture,
  systemMetricsSchema,
} from '@vast/portal/testing';

const SCREENSHOTS = resolve(__dirname, '../../test-output/portal');
/** pip's own progress display redrawing two downloads, recorded (packages/portal/src/server/log-recordings). */
const PIP_RECORDING = resolve(__dirname, '../../packages/portal/src/server/log-recordings/pip-two-downloads.ansi');

interface PortalTarget {
  /** The supervisor programs and their states, as the Services tab lists them. */
  processes: Array<[string, string]>;
  /** Screenshot file prefix: the container's shots carry none (they are the ones to look at). */
  shotPrefix: string;
  /** The portal page through Caddy, ending in '/'. */
  url: string;
  token: string;
  /** Application labels the page must show as tabs, in order. */
  applications: string[];
  /** The application whose service the test restarts. */
  service: string;
  /** A line the service writes to its log when it starts. */
  logLine: RegExp;
  /** Local only: toggles the provisioning markers. */
  setMarker: (name: ProvisioningMarker, present: boolean) => void | Promise<void>;
  /** Writes the provisioner's progress file (PROVISIONING_PROGRESS_FILE in the container). */
  writeProvisioningProgress: (text: string) => void | Promise<void>;
  /** Appends a line to <log dir>/<name>.log, as a service's logging.sh would; `partial` leaves the line unfinished. */
  writeLog: (name: string, line: string, partial?: boolean) => void | Promise<void>;
  /** Where the log directory's files sit inside the /download-logs archive. */
  archiveLogDir: string;
  /**
   * What the Tunnels page has: no cloudflared (the reason shown), or the stand-in cloudflared running the named tunnel
   * of CF_TUNNEL_TOKEN with NAMED_TUNNEL_INGRESS (its quick tunnels fail as a rate-limited cloudflared's do).
   */
  tunnels: 'unavailable' | 'named';
  close(): Promise<void>;
}

/** The booted container only: what the local target cannot have (an address off loopback, the real provisioner). */
interface ContainerExtras {
  /** The portal through Caddy at the container's own address (not loopback: not a secure context for Chromium). */
  offLoopbackUrl: string;
  /** Runs argv in the container. */
  exec: (argv: string[]) => Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
}

/** A link the template adds through PORTAL_LINKS; the Tools & Help page must show it. */
const PORTAL_LINKS = 'E2E Handbook|https://handbook.example.org/e2e|Read this first';

/** The named tunnel's public hostname: `.invalid` never resolves, and the browser's requests to it are answered by the test. */
const NAMED_TUNNEL_HOST = 'portal.e2e-tunnel.invalid';
/** The named tunnel's ingress in the container: the portal's internal port, as a template's dashboard would set it. */
const NAMED_TUNNEL_INGRESS = [{ hostname: NAMED_TUNNEL_HOST, service: 'http://localhost:11111' }];

const CONTAINER_PORTAL_CONFIG =
  'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal';

/** The real thing: base-image's local variant (built by nx if needed), booted, reached through its published Caddy port. */
let containerExtras: ContainerExtras | undefined;

async function containerTarget(): Promise<PortalTarget> {
  const image = await buildLocalBaseImage();
  const token = `e2e${randomBytes(8).toString('hex')}`;
  const container = await startSmokeContainer({
    image,
    portalConfig: CONTAINER_PORTAL_CONFIG,
    token,
    provisioning: { kind: 'none' },
    namePrefix: 'vast-e2e-portal',
    env: {
      PORTAL_LINKS,
      CF_TUNNEL_TOKEN: 'eyJhIjoiZTJlIiwidCI6ImUyZSIsInMiOiJlMmUifQ==',
      FAKE_CLOUDFLARED_INGRESS: JSON.stringify(NAMED_TUNNEL_INGRESS),
      FAKE_CLOUDFLARED_QUICK: 'fail',
    },
    // cloudflared is not installable here: the stand-in prints its documented lines and serves its metrics /config.
    files: [{ hostPath: FAKE_CLOUDFLARED, containerPath: '/usr/local/bin/cloudflared' }],
  });
  try {
    const port = await publishedPort(container.id, 1111);
    const url = `http://127.0.0.1:${port}/`;
    let status = 0;
    await eventually(
      `the portal in ${container.name} to answer 200 through Caddy`,
      async () => {
        status = await fetch(`${url}api/applications`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
          () => 0,
        );
        return status === 200;
      },
      { describeLast: async () => `the last answer was ${status}` },
    );
    const address = (await inspectContainer(container.id, '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}'))?.split(' ')[0];
    expect(address, `${container.name} has no address on a Docker network`).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    containerExtras = {
      offLoopbackUrl: `http://${address}:1111/`,
      exec: (argv) => execInContainer(container.id, argv),
    };
    const marker = async (name: ProvisioningMarker, present: boolean) => {
      const path = provisioningMarkerPath(name);
      await execInContainer(container.id, present ? ['touch', path] : ['rm', '-f', path]);
    };
    return {
      shotPrefix: '',
      processes: [
        ['caddy', 'running'],
        ['cron', 'running'],
        ['instance_portal', 'running'],
        ['jupyter', 'running'],
        ['portal_auth', 'running'],
      ],
      url,
      token,
      applications: ['Instance Portal', 'Jupyter', 'Jupyter Terminal'],
      service: 'Jupyter',
      // What Debian's notebook server (or a newer jupyter_server) prints once it listens.
      logLine: /(Serving notebooks from|is running at|Jupyter Server .* is running)/,
      setMarker: marker,
      writeProvisioningProgress: async (text) => {
        await execInContainer(container.id, ['sh', '-c', 'printf %s "$1" > "$2"', 'sh', text, PROVISIONING_PROGRESS_FILE]);
      },
      writeLog: async (name, line, partial = false) => {
        const format = partial ? '%s' : '%s\n';
        await execInContainer(container.id, ['sh', '-c', 'printf "$3" "$1" >> "/var/log/portal/$2.log"', 'sh', line, name, format]);
      },
      archiveLogDir: 'log/portal/',
      tunnels: 'named',
      close: () => container.remove(),
    };
  } catch (e) {
    await container.remove();
    throw e;
  }
}

async function localTarget(): Promise<PortalTarget> {
  expect(hasCaddy(), 'caddy is not installed: apt-get install -y caddy').toBe(true);
  const [portalPort, portalExternal, jupyterExternal, jupyterInternal, syncExternal, syncInternal] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  const portalConfig = [
    `127.0.0.1:${portalExternal}:${portalPort}:/:Instance Portal`,
    `127.0.0.1:${jupyterExternal}:${jupyterInternal}:/:Jupyter`,
    `127.0.0.1:${jupyterExternal}:${jupyterExternal}:/terminals/1:Jupyter Terminal`, // upstream's pair: a link into Jupyter's site
    `127.0.0.1:${syncExternal}:${syncInternal}:/:Syncthing`,
  ].join('|');
  // Long enough that the page's refresh right after the action still sees the service starting.
  const fixture = await startPortalFixture({ port: portalPort, portalConfig, transitionMs: 2500, env: { PORTAL_LINKS } });
  const token = 'e2e0token0c0ffee0';
  const gate = await startAuthGate(fixture.dir);
  const output: string[] = [];
  const code = applyPortalConfig(
    {
      OPEN_BUTTON_TOKEN: token,
      WEB_PASSWORD: 'e2e-password-0123',
      VAST_CONTAINERLABEL: 'C.e2e',
      PORTAL_YAML_PATH: fixture.settings.portalYaml,
      PORTAL_CADDYFILE_PATH: fixture.dir.file('Caddyfile'),
      ...gate.env,
    },
    { stdout: { write: (t: string) => output.push(t) }, stderr: { write: (t: string) => output.push(t) } },
  );
  expect(code, output.join('')).toBe(0);
  const caddy = await runCaddy(readFileSync(fixture.dir.file('Caddyfile'), 'utf8'), [portalExternal, jupyterExternal, syncExternal]);
  return {
    shotPrefix: 'fixture-',
    processes: [
      ['caddy', 'running'],
      ['cron', 'running'],
      ['instance_portal', 'running'],
      ['jupyter', 'running'],
      ['syncthing', 'skipped'],
    ],
    url: `http://127.0.0.1:${portalExternal}/`,
    token,
    applications: ['Instance Portal', 'Jupyter', 'Jupyter Terminal', 'Syncthing'],
    service: 'Jupyter',
    logLine: /^fake-supervisor: jupyter started \(start 1\)$/,
    setMarker: fixture.setMarker,
    writeProvisioningProgress: fixture.writeProvisioningProgress,
    writeLog: (name, line, partial = false) =>
      partial ? appendFileSync(fixture.dir.file(`log/${name}.log`), line) : fixture.writeLog(name, line),
    archiveLogDir: 'log/',
    tunnels: 'unavailable',
    close: async () => {
      await caddy.stop();
      await gate.stop();
      await fixture.stop();
    },
  };
}

describe.each([
  ['a local portal server behind a real Caddy', localTarget, false],
  ['a booted base-image container', containerTarget, true],
] as const)('Instance Portal in Chromium, against %s', (_name, makeTarget, booted) => {
  let target: PortalTarget;
  let browser: ChromiumSession;
  let context: BrowserContext;
  let page: Page;

  const bearer = () => ({ authorization: `Bearer ${target.token}` });
  const badge = () => page.locator('main [data-testid="state"]').first();
  const waitForBadge = (states: string[], timeout = 30_000) =>
    page.waitForFunction((wanted) => wanted.includes(document.querySelector('main [data-testid="state"]')?.textContent ?? ''), states, {
      timeout,
    });

  beforeAll(async () => {
    target = await makeTarget();
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium('portal-e2e');
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  it('answers 401 without credentials, and an unauthenticated restart changes nothing', async () => {
    // Chromium would show a login prompt for the page; the browser context's request API sees the bare answer.
    expect((await page.request.get(target.url)).status()).toBe(401);
    expect((await page.request.get(`${target.url}api/applications`)).status()).toBe(401);

    const serviceProcess = async () => {
      const { applications } = (await (await fetch(`${target.url}api/applications`, { headers: bearer() })).json()) as {
        applications: Array<{ label: string; process: { name: string; state: string; description: string } | null }>;
      };
      const app = applications.find((a) => a.label === target.service);
      expect(app?.process, `${target.service} has no supervisor program`).toBeTruthy();
      return app!.process!;
    };
    const before = await serviceProcess();
    const attempt = await fetch(`${target.url}api/processes/${before.name}/restart`, {
      method: 'POST',
      headers: { 'x-portal-request': '1' },
    });
    expect(attempt.status).toBe(401);
    const after = await serviceProcess();
    expect(after.state).toBe(before.state);
    expect(after.description.match(/pid \d+/)?.[0]).toBe(before.description.match(/pid \d+/)?.[0]);
  });

  it('logs in with the token, drops it from the address bar and lists the applications', async () => {
    const response = await page.goto(`${target.url}?token=${target.token}`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(target.url);
    await page.locator('[data-testid="tab"]').first().waitFor();
    const tabs = await page.locator('[data-testid="tab"]').allTextContents();
    expect(tabs).toEqual(target.applications);
    const routes = await page.locator('[data-testid="route"]').allTextContents();
    expect(routes).toEqual(['Applications', 'Tunnels', 'Supervisor', 'Logs', 'Tools & Help']);
    // Upstream's loader stepped aside by itself (its sources answered, or, on a loaded machine, its timeout).
    const loader = page.locator('[data-testid="loader"]');
    await loader.waitFor({ state: 'hidden' });
    expect(['done', 'timeout']).toContain(await loader.getAttribute('data-ended'));
    // The portal's own card cannot launch itself.
    await page.locator('[data-testid="tab"]', { hasText: /^Instance Portal$/ }).click();
    const own = page.locator('main [data-testid="open"]');
    await page.waitForFunction(() => document.querySelector('main [data-testid="open"]')?.textContent === 'Currently Active');
    expect(await own.isDisabled()).toBe(true);
  });

  it('shows the loader while a source hangs, and Skip waiting ends it', async () => {
    // The instance never answers: the loader stays on its first step until the user skips.
    await page.route('**/api/instance', () => undefined);
    try {
      await page.goto(target.url);
      const loader = page.locator('[data-testid="loader"]');
      expect(await page.locator('[data-testid="loader-text"]').textContent()).toBe('Loading Instance Portal...');
      expect(await loader.isVisible()).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-loader-1280x800.png`) });
      await page.getByRole('link', { name: 'Skip waiting' }).click();
      await loader.waitFor({ state: 'hidden' });
      expect(await loader.getAttribute('data-ended')).toBe('skipped');
      await page.locator('[data-testid="tab"]').first().waitFor();
    } finally {
      await page.unroute('**/api/instance');
    }
    // The rest of the suite needs what /api/instance says (the tunnels' reason).
    await page.goto(target.url);
    await page.locator('[data-testid="loader"]').waitFor({ state: 'hidden' });
  });

  it('restarts a service from the page and sees its state change', async () => {
    await page.locator('[data-testid="tab"]', { hasText: new RegExp(`^${target.service}$`) }).click();
    await page.locator('main h2', { hasText: target.service }).waitFor();
    await waitForBadge(['running']);
    // The open link goes to the application's own port on the host the page was reached at.
    // No tunnel and no public IP here: Launch Application falls back to the direct address.
    // The page shows before the tunnel addresses are known; Launch waits for them (at most the loader's 10 s).
    await page.locator('[data-testid="open"]', { hasText: /^Launch Application$/ }).waitFor({ timeout: 15_000 });
    const href = new URL((await page.locator('[data-testid="open"]').getAttribute('href')) ?? '');
    expect(href.hostname).toBe(new URL(target.url).hostname);
    expect(href.port).not.toBe(new URL(target.url).port);
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    // While the action is pending (the restart waits for the stop), none of the service's buttons can be pressed.
    const actions = await page.locator('main .actions [data-action]').evaluateAll((bs) => bs.map((b) => (b as HTMLButtonElement).disabled));
    expect(actions).toEqual([true, true, true]);
    await waitForBadge(['stopping', 'starting']);
    expect(['stopping', 'starting']).toContain(await badge().textContent());
    await waitForBadge(['running'], 60_000);
    expect(await page.locator('main [data-testid="message"]').textContent()).toMatch(/^restart \S+: done/);
  });

  it('shows a log line the service just wrote', async () => {
    // The service's launch script starts a new log file on every start (logging.sh); the pane marks the switch, so
    // a matching line after the last mark was written by the start the test caused.
    const linesSinceRestart = () =>
      page.evaluate(() => {
        const lines = [...document.querySelectorAll('[data-testid="log"] > div')];
        const mark = lines
          .map((line) => line.classList.contains('note') && (line.textContent ?? '').includes('restarted'))
          .lastIndexOf(true);
        return mark < 0 ? null : lines.slice(mark + 1).map((line) => line.textContent ?? '');
      });
    const deadline = Date.now() + 60_000;
    let lines: string[] | null = null;
    while (Date.now() < deadline) {
      lines = await linesSinceRestart();
      if (lines?.some((line) => target.logLine.test(line))) break;
      await page.waitForTimeout(250);
    }
    expect(lines, 'the log pane never showed the restart').not.toBeNull();
    expect(lines!.filter((line) => target.logLine.test(line))).not.toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-1280x800.png`) });
  });

  it('shows a banner while provisioning runs and when it failed', async () => {
    const banner = page.locator('[data-testid="banner"]');
    await target.setMarker(PROVISIONING_MARKERS.inProgress, true);
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toMatch(/^Provisioning is running/);
    await target.setMarker(PROVISIONING_MARKERS.inProgress, false);
    await target.setMarker(PROVISIONING_MARKERS.failed, true);
    await page.waitForFunction(() => document.querySelector('[data-testid="banner"]')?.textContent?.startsWith('Provisioning failed'));
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-provisioning-failed-1280x800.png`) });
    await target.setMarker(PROVISIONING_MARKERS.failed, false);
    await banner.waitFor({ state: 'hidden' });
  });

  it("shows the provisioner's phase and a download's progress in the banner while it runs", async () => {
    const progress = (received: number) =>
      JSON.stringify({
        state: 'running',
        phase: 'downloads',
        phaseIndex: 5,
        phaseCount: 8,
        attempt: 2,
        attempts: 3,
        updatedAt: new Date().toISOString(),
        downloads: [{ name: 'model.safetensors', dest: '/workspace/models/model.safetensors', received, total: 4194304, done: false }],
      });
    const bannerText = (wanted: string) =>
      page.waitForFunction((text) => document.querySelector('[data-testid="banner"]')?.textContent?.includes(text), wanted);
    await target.writeProvisioningProgress(progress(1048576));
    await target.setMarker(PROVISIONING_MARKERS.inProgress, true);
    await bannerText('phase 5 of 8: downloads · attempt 2 of 3 · model.safetensors 1.0 MB of 4.0 MB (25%)');
    await target.writeProvisioningProgress(progress(3145728));
    await bannerText('model.safetensors 3.0 MB of 4.0 MB (75%)');
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-provisioning-progress-1280x800.png`) });
    await target.setMarker(PROVISIONING_MARKERS.inProgress, false);
    await page.locator('[data-testid="banner"]').waitFor({ state: 'hidden' });
  });

  it('lists every supervisor program on the Supervisor page (#/services)', async () => {
    await page.locator('[data-testid="route"]', { hasText: /^Supervisor$/ }).click();
    expect(new URL(page.url()).hash).toBe('#/services');
    await page.locator('table.processes tbody tr').first().waitFor();
    const rows = await page
      .locator('table.processes tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-process'), tr.querySelector('[data-testid="state"]')?.textContent]));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows).toEqual(target.processes);
    // State-aware buttons: nothing stops the portal's own program; nothing starts a running one.
    const portalRow = page.locator('tr[data-process="instance_portal"]');
    expect(await portalRow.locator('[data-action="stop"]').isDisabled()).toBe(true);
    expect(await portalRow.locator('[data-action="start"]').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-services-1280x800.png`) });
    await page.locator('[data-testid="route"]', { hasText: /^Applications$/ }).click();
    await page.locator('[data-testid="tab"]', { hasText: new RegExp(`^${target.service}$`) }).click();
    await page.locator('[data-testid="log"]').waitFor();
  });

  it('disables Start on a running service and keeps Stop and Restart', async () => {
    await waitForBadge(['running']);
    const button = (action: string) => page.locator(`main .actions [data-action="${action}"]`);
    expect(await button('start').isDisabled()).toBe(true);
    expect(await button('stop').isEnabled()).toBe(true);
    expect(await button('restart').isEnabled()).toBe(true);
    // Keyboard reachable: Tab from the Open link lands on the first enabled action, Stop.
    await page.locator('[data-testid="open"]').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-action'))).toBe('stop');
    // Advanced connection options: the direct address with Copy, and why there is no tunnel: no cloudflared, or (the
    // named tunnel routing only the portal's port, quick tunnels refused) none to this application.
    await page.locator('[data-testid="advanced"] summary').click();
    const row = page.locator('[data-testid="connection-row"]').first();
    await row.waitFor();
    expect(await row.locator('a').getAttribute('href')).toBe(await page.locator('[data-testid="open"]').getAttribute('href'));
    expect(await page.locator('[data-testid="advanced"]').textContent()).toMatch(
      target.tunnels === 'unavailable' ? /tunnels unavailable: cloudflared is not on PATH/ : /No tunnel to this application yet/,
    );
  });

  it('updates the metrics: charts grow, and a missing GPU reads "not available", not 0', async () => {
    const samples = () => page.locator('[data-metric="ram"] svg.chart').getAttribute('data-samples').then(Number);
    await page.locator('[data-metric="ram"] svg.chart').waitFor();
    const first = await samples();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-metric="ram"] svg.chart')?.getAttribute('data-samples')) > n,
      first,
      {
        timeout: 20_000,
      },
    );
    expect(await page.locator('[data-metric="ram"] [data-testid="metric-value"]').textContent()).toMatch(/^\d+\.\d%$/);
    await page.waitForFunction(
      () => /%$/.test(document.querySelector('[data-metric="cpu"] [data-testid="metric-value"]')?.textContent ?? ''),
      null,
      {
        timeout: 20_000,
      },
    );
    // Neither the fixture host nor the local container has an NVIDIA driver.
    expect(await page.locator('[data-metric="gpu"] [data-testid="metric-value"]').textContent()).toBe('not available');
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-metrics-1280x800.png`) });
  });

  it('shows, on the all-logs page, a line a service wrote a moment ago, with its colour', async () => {
    await page.locator('[data-testid="route"]', { hasText: /^Logs$/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="log-connection"]')?.getAttribute('title') === 'connected');
    const marker = `e2e-red-${Date.now()}`;
    await target.writeLog('e2e-colours', `\x1b[31m${marker}\x1b[0m plain`);
    // A progress bar still rewriting its line shows its current state, pinned at the bottom, then its final one.
    await target.writeLog('e2e-colours', `progress 10%\rprogress 55% ${marker}-running\r`, true);
    const running = page.locator('[data-testid="all-logs"] .log-line.pending', { hasText: `${marker}-running` });
    await running.waitFor({ timeout: 20_000 });
    expect(await running.locator('.log-text').textContent()).toBe(`progress 55% ${marker}-running`);
    await target.writeLog('e2e-colours', `progress 100% ${marker}-done`);
    const line = page.locator('[data-testid="all-logs"] .log-line', { hasText: marker }).first();
    await line.waitFor({ timeout: 20_000 });
    const red = await line.locator('span.ansi-fg-1').evaluate((el) => [el.textContent, getComputedStyle(el).color]);
    expect(red).toEqual([marker, 'rgb(255, 107, 107)']);
    // The carriage returns collapsed the progress line to its last state.
    const progress = page.locator('[data-testid="all-logs"] .log-line', { hasText: `${marker}-done` });
    await progress.waitFor();
    expect(await progress.locator('.log-text').textContent()).toBe(`progress 100% ${marker}-done`);
    // Per-log follow: choosing the log hides every other one.
    await page.locator('[data-testid="log-filter"]').selectOption('e2e-colours.log');
    const shown = await page
      .locator('[data-testid="all-logs"] .log-line:not([hidden])')
      .evaluateAll((ls) => ls.map((l) => l.getAttribute('data-file')));
    expect(new Set(shown)).toEqual(new Set(['e2e-colours.log']));
    await page.locator('[data-testid="log-filter"]').selectOption('');
    // pip's two progress bars (recorded), first drawn, then redrawn in place with cursor-up (overwrite_block): the
    // page shows each bar once, in its latest state.
    const [first, redraw] = readFileSync(PIP_RECORDING, 'utf8').split(/(?=\r\x1b\[2K\x1b\[1A)/);
    await target.writeLog('e2e-pip', first, true);
    const pipLines = () =>
      page
        .locator('[data-testid="all-logs"] .log-line[data-file="e2e-pip.log"] .log-text')
        .evaluateAll((ls) => ls.map((l) => `${l.parentElement?.classList.contains('pending') ? 'pending ' : ''}${l.textContent}`));
    await page.waitForFunction(() => document.querySelectorAll('[data-file="e2e-pip.log"].pending').length === 1);
    await target.writeLog('e2e-pip', redraw, true);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-file="e2e-pip.log"]')].some((l) => l.textContent?.includes('0.5/2.0 MB')),
    );
    expect(await pipLines()).toEqual(['torch.whl ━━━━━╺━━━━━━━━━━━━━━ 1.0/4.0 MB', 'pending numpy.whl ━━━━━╺━━━━━━━━━━━━━━ 0.5/2.0 MB']);
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-logs-1280x800.png`) });
  });

  it('downloads every log in one archive', async () => {
    const { logs } = (await (await fetch(`${target.url}api/logs`, { headers: bearer() })).json()) as { logs: string[] };
    expect(logs).toContain('e2e-colours.log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="log-download"]').click()]);
    expect(download.suggestedFilename()).toMatch(/_logs_\d{4}-\d\d-\d\dT.*\.zip$/);
    const file = join(SCREENSHOTS, `${target.shotPrefix}logs.zip`);
    await download.saveAs(file);
    const listing = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
    for (const log of logs) expect(listing).toContain(`${target.archiveLogDir}${log}`);
    execFileSync('unzip', ['-tq', file]);
  });

  it('shows the PORTAL_LINKS link on the Tools & Help page', async () => {
    await page.locator('[data-testid="route"]', { hasText: /^Tools & Help$/ }).click();
    const card = page.locator('[data-testid="link-card"]', { hasText: 'E2E Handbook' });
    await card.waitFor();
    expect(await card.locator('a').getAttribute('href')).toBe('https://handbook.example.org/e2e');
    expect(await card.textContent()).toContain('Read this first');
    // Upstream's order: the template's "after" links follow Vast's own cards.
    const labels = await page.locator('[data-testid="link-card"] h3').allTextContents();
    expect(labels.indexOf('E2E Handbook')).toBeGreaterThan(labels.indexOf('Quick Start Guide'));
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-tools-1280x800.png`) });
  });

  it('shows the tunnels: why there are none without cloudflared, or the named tunnel of CF_TUNNEL_TOKEN', async () => {
    await page.locator('[data-testid="route"]', { hasText: /^Tunnels$/ }).click();
    if (target.tunnels === 'unavailable') {
      const reason = page.locator('[data-testid="tunnels-unavailable"]');
      await reason.waitFor();
      expect(await reason.textContent()).toMatch(/^tunnels unavailable: cloudflared is not on PATH/);
    } else {
      // The connector's state comes from cloudflared's output, the hostname and target from its metrics /config.
      const named = page.locator('[data-testid="tunnel-row"][data-kind="named"]');
      await named.waitFor();
      const cells = await named.locator('td').allTextContents();
      expect(cells.slice(0, 4)).toEqual([NAMED_TUNNEL_HOST, 'http://localhost:11111', 'named', 'connected (4 connections)']);
      expect(await named.locator('a').getAttribute('href')).toBe(`https://${NAMED_TUNNEL_HOST}`);
      // A quick tunnel cloudflared cannot get says cloudflared's own reason, and the table keeps only the named one.
      await page.getByRole('textbox', { name: 'Target URL' }).fill('http://localhost:8080');
      await page.getByRole('button', { name: 'Create New Tunnel' }).click();
      await page.waitForFunction(() =>
        /start tunnel failed: .*error code: 1015/.test(document.querySelector('main [data-testid="message"]')?.textContent ?? ''),
      );
      expect(await page.locator('[data-testid="tunnel-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')))).toEqual([
        'named',
      ]);
    }
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-tunnels-1280x800.png`) });
    await page.locator('[data-testid="route"]', { hasText: /^Applications$/ }).click();
    await page.locator('[data-testid="tab"]', { hasText: new RegExp(`^${target.service}$`) }).click();
    await page.locator('[data-testid="log"]').waitFor();
  });

  if (booted) {
    it('moves a page opened on plain http off loopback to the named tunnel of port 1111, and Stay keeps it', async () => {
      // Chromium treats loopback as a secure context; the container's own address is not one. The tunnel's host is
      // answered here, so nothing leaves the machine; the redirect itself is the page's, unmocked.
      const reached: string[] = [];
      await context.route(`https://${NAMED_TUNNEL_HOST}/**`, (route) => {
        if (route.request().isNavigationRequest()) reached.push(route.request().url());
        return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>named tunnel</title>reached' });
      });
      const insecure = await context.newPage();
      try {
        const url = containerExtras!.offLoopbackUrl;
        await insecure.goto(`${url}?token=${target.token}#/tools`);
        expect(await insecure.evaluate(() => window.isSecureContext)).toBe(false);
        const notice = insecure.locator('[data-testid="redirect"]');
        await notice.waitFor({ timeout: 30_000 });
        expect(await notice.textContent()).toContain(`Moving to the portal's named tunnel, https://${NAMED_TUNNEL_HOST}, in 5 s.`);
        await insecure.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-insecure-redirect-1280x800.png`) });
        await insecure.waitForURL(`https://${NAMED_TUNNEL_HOST}/**`, { timeout: 20_000 });
        expect(new URL(insecure.url()).hash).toBe('#/tools');
        expect(reached.map((u) => new URL(u).origin)).toEqual([`https://${NAMED_TUNNEL_HOST}`]);

        // "Stay on this address" ends the countdown and marks the address redir=false.
        await insecure.goto(`${url}#/apps`);
        const stay = insecure.locator('[data-testid="redirect-stay"]');
        await stay.waitFor({ timeout: 30_000 });
        await stay.click();
        await notice.waitFor({ state: 'hidden' });
        expect(new URL(insecure.url()).searchParams.get('redir')).toBe('false');
        await insecure.waitForTimeout(6000); // past the 5 s the page would have waited
        expect(new URL(insecure.url()).host).toBe(new URL(url).host);
        expect(reached).toHaveLength(1);
      } finally {
        await insecure.close();
        await context.unroute(`https://${NAMED_TUNNEL_HOST}/**`);
      }
    });

    it("runs POST /capabilities/provision: upstream's answer, then the manifest's file and its service RUNNING", async () => {
      const proof = `provisioned at runtime ${randomBytes(6).toString('hex')}`;
      const markersBefore = (await containerExtras!.exec(['sh', '-c', 'ls -a / | grep "^.provisioning" || true'])).stdout;
      const manifest = [
        'version: 1',
        'write_files:',
        `  - { path: /workspace/e2e-runtime-provision/proof.txt, content: "${proof}" }`,
        'services:',
        '  - { name: e2e_runtime_provisioned, command: "sleep infinity", wait_for_provisioning: false }',
      ].join('\n');
      const response = await fetch(`${target.url}capabilities/provision`, {
        method: 'POST',
        headers: { ...bearer(), 'content-type': 'application/json' },
        body: JSON.stringify({ inline_yaml: manifest }),
      });
      expect(response.status).toBe(200);
      expect(provisionResponseSchema.parse(await response.json())).toEqual({
        status: 'started',
        detail: 'Provisioner launched in the background',
        log_file: '/var/log/portal/provisioning.log',
      });
      const processes = async () =>
        processesSchema.parse(await (await fetch(`${target.url}supervisor/processes`, { headers: bearer() })).json());
      await eventually(
        'the provisioned program to be RUNNING in /supervisor/processes',
        async () => (await processes()).find((p) => p.name === 'e2e_runtime_provisioned')?.state === 'RUNNING',
        {
          timeoutMs: 90_000,
          describeLast: async () => (await containerExtras!.exec(['tail', '-n', '30', '/var/log/portal/provisioning.log'])).stdout,
        },
      );
      expect((await containerExtras!.exec(['cat', '/workspace/e2e-runtime-provision/proof.txt'])).stdout).toBe(proof);
      await eventually('the run to log its end', async () =>
        (await containerExtras!.exec(['cat', '/var/log/portal/provisioning.log'])).stdout.includes('Provisioning complete'),
      );
      // A runtime run leaves the boot's markers alone, and its temp manifest is gone.
      expect((await containerExtras!.exec(['sh', '-c', 'ls -a / | grep "^.provisioning" || true'])).stdout).toBe(markersBefore);
      await eventually(
        'the temp manifest to be removed after the run',
        async () => (await containerExtras!.exec(['sh', '-c', 'ls /tmp | grep "^provision-" || true'])).stdout === '',
      );
    });
  }

  it("answers upstream's API through Caddy with the token, in upstream's shapes, and 401 without", async () => {
    for (const path of ['system-metrics', 'supervisor/processes', 'capabilities', 'get-applications', 'download-logs']) {
      expect((await fetch(`${target.url}${path}`)).status, path).toBe(401);
    }
    const json = async (path: string) => (await fetch(`${target.url}${path}`, { headers: bearer() })).json();
    systemMetricsSchema.parse(await json('system-metrics'));
    expect(processesSchema.parse(await json('supervisor/processes')).map((p) => p.name)).toContain('instance_portal');
    capabilitiesSchema.parse(await json('capabilities'));
  });

  it("restarts the portal's own program through upstream's route, and it comes back", async () => {
    const portal = async () => {
      const response = await fetch(`${target.url}supervisor/processes`, { headers: bearer() }).catch(() => null);
      if (!response?.ok) return null;
      return processesSchema.parse(await response.json()).find((p) => p.name === 'instance_portal') ?? null;
    };
    const before = await portal();
    expect(before?.state).toBe('RUNNING');
    const restart = await fetch(`${target.url}supervisor/process/instance_portal/restart`, { method: 'POST', headers: bearer() });
    expect(await restart.json()).toEqual({ status: 'ok', name: 'instance_portal', action: 'restart' });
    // Stopping itself must not strand it stopped: the start comes from outside the process being stopped.
    await eventually('instance_portal to run again under a new pid', async () => {
      const after = await portal();
      return after?.state === 'RUNNING' && after.pid !== before!.pid;
    });
  });

  it('reloads the page a second after it restarts the portal from the Supervisor page', async () => {
    await page.goto(`${target.url}#/services`);
    const restart = page.locator('tr[data-process="instance_portal"] [data-action="restart"]');
    await restart.waitFor();
    const reloaded = page.waitForEvent('load', { timeout: 30_000 });
    await restart.click();
    await reloaded;
    // The portal may still be coming back (Caddy answers 502 meanwhile): reload until the page lists the programs.
    await eventually('the portal page to come back after its restart', async () => {
      const shown = await page
        .locator('tr[data-process="instance_portal"]')
        .first()
        .waitFor({ timeout: 5000 })
        .then(
          () => true,
          () => false,
        );
      if (!shown) await page.reload().catch(() => null);
      return shown;
    });
    await page.evaluate((label) => (location.hash = `#/apps/${encodeURIComponent(label)}`), target.service);
    await page.locator('main [data-testid="log"]').waitFor();
  });

  it('is usable at phone width (390x844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const layout = await page.evaluate(() => ({
      pageWidth: document.documentElement.scrollWidth,
      buttons: [...document.querySelectorAll('main .actions > *')].map((b) => {
        const r = b.getBoundingClientRect();
        return { left: r.left, right: r.right, height: r.height };
      }),
    }));
    expect(layout.pageWidth).toBeLessThanOrEqual(390); // the tab bar scrolls on its own; the page does not
    expect(layout.buttons.length).toBeGreaterThanOrEqual(4);
    for (const b of layout.buttons) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(390);
      expect(b.height).toBeGreaterThanOrEqual(36); // big enough to tap
    }
    await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-390x844.png`) });
    for (const [route, title] of [
      ['logs', 'Logs'],
      ['services', 'Supervisor'],
      ['tools', 'Tools & Help'],
    ]) {
      await page.locator('[data-testid="route"]', { hasText: new RegExp(`^${title}$`) }).click();
      await page.locator(`[data-app="${route}"]`).waitFor();
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), route).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(SCREENSHOTS, `${target.shotPrefix}portal-${route}-390x844.png`) });
    }
  });
});
