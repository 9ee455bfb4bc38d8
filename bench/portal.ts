// bench portal: the Instance Portal server's resident memory idle and with five viewers following logs, and the page's
// time to first full paint in headless Chromium, for the portal now and for an earlier revision's, side by side.
// Both bundles run as their own `node portal.cjs` process against the same fake supervisor and temp files.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startPortalFixture } from '@vast/portal/testing';
import { formatFigure, median, sideBySide, type Figure } from './figures';
import { vmRssKb } from './process-tree';
import { currentRevision, revisionCheckout, run, WORKSPACE_ROOT } from './revision-checkout';

const SECTION = 'portal';
/** The commit before this session's portal changes (issue 14). */
export const DEFAULT_PREVIOUS_REV = '4f3a329';
const VIEWERS = 5;
const SETTLE_MS = 5000;
const FOLLOW_MS = 10_000;
const APPEND_EVERY_MS = 100;

interface Bundle {
  label: string;
  dir: string;
}

/** This checkout's portal, bundled by its own build script into a temp folder (dist/ is left alone). */
function buildCurrent(): Bundle {
  const dir = mkdtempSync(join(tmpdir(), 'vast-bench-portal-now-'));
  run('node', ['packages/portal/scripts/build.mjs'], WORKSPACE_ROOT, { ...process.env, PORTAL_BUILD_OUTDIR: dir });
  return { label: `now ${currentRevision()}`, dir };
}

/** `rev`'s portal, bundled by that revision's own build script in its own checkout. */
function buildPrevious(rev: string): Bundle {
  const checkout = revisionCheckout(rev);
  const dir = mkdtempSync(join(tmpdir(), 'vast-bench-portal-then-'));
  run('node', ['packages/portal/scripts/build.mjs'], checkout, { ...process.env, PORTAL_BUILD_OUTDIR: dir });
  return { label: `then ${rev}`, dir };
}

interface RunningPortal {
  url: string;
  pid: number;
  appendLog(line: string): void;
  stop(): Promise<void>;
}

/** A bundle's server as its own process, over the portal fixture's temp files and fake supervisor. */
async function startBundle(bundle: Bundle): Promise<RunningPortal> {
  // The fixture's in-process server is not measured; its folders and fake supervisor are what both bundles read.
  const fixture = await startPortalFixture();
  const port = await freePort();
  const file = (name: string) => fixture.dir.file(name);
  const child: ChildProcess = spawn('node', [join(bundle.dir, 'portal.cjs')], {
    env: {
      PATH: process.env.PATH,
      PORTAL_HOST: '127.0.0.1',
      PORTAL_PORT: String(port),
      PORTAL_YAML_PATH: file('portal.yaml'),
      PORTAL_SUPERVISOR_SOCKET: file('supervisor.sock'),
      PORTAL_SUPERVISOR_CONF_DIR: file('conf.d'),
      PORTAL_SKIP_DIR: file('skip'),
      PORTAL_LOG_DIR: file('log'),
      PORTAL_MARKER_DIR: file('markers'),
      PORTAL_PROVISIONING_PROGRESS_FILE: file('provisioning-progress.json'),
      PORTAL_LOG_ARCHIVE_DIR: file('log'),
      PORTAL_LINKS_PATH: file('portal-links.yaml'),
      PORTAL_CAPABILITIES_DIR: file('capabilities.d'),
      WORKSPACE: file('workspace'),
      // Neither exists here, as on a CPU-only instance without tunnels: both portals take the same paths.
      PORTAL_NVIDIA_SMI: file('no-nvidia-smi'),
      PORTAL_CLOUDFLARED: file('no-cloudflared'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await fixture.stop();
  };
  try {
    await new Promise<void>((resolveListening, reject) => {
      child.stdout?.on('data', (d) => {
        output += d;
        if (output.includes('portal: listening on')) resolveListening();
      });
      child.once('exit', (code) => reject(new Error(`${bundle.label}'s portal exited (${code}) before listening:\n${output}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    appendLog: (line) => fixture.writeLog('jupyter', line),
    stop,
  };
}

const rssKb = (pid: number) => vmRssKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A /ws-logs client that reads every frame the server sends (it never sends, so it needs no framing of its own). */
function followLogs(url: string): Promise<{ received: () => string; close: () => void }> {
  return new Promise((resolveOpen, reject) => {
    const req = request(`${url}/ws-logs`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dmFzdC1iZW5jaC12aWV3ZXI=',
      },
    });
    req.on('upgrade', (_res, socket: Socket) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      resolveOpen({ received: () => text, close: () => socket.destroy() });
    });
    req.on('response', (res) => reject(new Error(`/ws-logs answered ${res.statusCode} instead of upgrading`)));
    req.on('error', reject);
    req.end();
  });
}

/** RSS after settling, then the peak RSS while five followers get a line every 100 ms for 10 s. */
async function memory(portal: RunningPortal): Promise<{ idleKb: number; followingKb: number }> {
  await sleep(SETTLE_MS);
  const idleKb = rssKb(portal.pid);
  const viewers = await Promise.all(Array.from({ length: VIEWERS }, () => followLogs(portal.url)));
  let followingKb = 0;
  let last = '';
  const started = Date.now();
  for (let i = 0; Date.now() - started < FOLLOW_MS; i++) {
    last = `bench line ${i}`;
    // A coloured line and a carriage-return progress line, as services write them.
    portal.appendLog(i % 2 ? `\u001b[32mINFO\u001b[0m ${last}` : `progress ${i}%\rprogress ${i + 1}% ${last}`);
    await sleep(APPEND_EVERY_MS);
    followingKb = Math.max(followingKb, rssKb(portal.pid));
  }
  // The last line reaches the followers within the portal's log polling; their RSS counts until then.
  await sleep(1500);
  followingKb = Math.max(followingKb, rssKb(portal.pid));
  const missing = viewers.filter((v) => !v.received().includes(last)).length;
  viewers.forEach((v) => v.close());
  if (missing)
    throw new Error(`${missing} of ${VIEWERS} /ws-logs viewers never received "${last}": the memory figure would not be of followers`);
  return { idleKb, followingKb };
}

/**
 * Navigation to the moment every application of portal.yaml has its tab and nothing covers the list (the loader, where
 * the page has one, is hidden), checked each animation frame, in the page's own clock (performance.now() counts from the
 * navigation's start). A fresh browser context each time: nothing comes from a cache.
 */
async function firstFullPaintMs(browser: Browser, url: string, applications: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(
      (n: number) => {
        const tabs = [...document.querySelectorAll('#tabs [data-testid="tab"]')].filter((t) => (t.textContent ?? '').trim());
        const loader = document.getElementById('loader');
        return tabs.length === n && (!loader || loader.hidden) ? performance.now() : false;
      },
      applications,
      { polling: 'raf', timeout: 60_000 },
    );
    return Number(await handle.jsonValue());
  } finally {
    await context.close();
  }
}

export async function portal(previousRev: string, record: (figure: Figure) => void): Promise<void> {
  console.log(`\n== portal: the Instance Portal now vs at ${previousRev} (memory idle and with ${VIEWERS} log viewers; first full paint)`);
  const bundles = [buildCurrent(), buildPrevious(previousRev)];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const results: Array<{ idleKb: number; followingKb: number; paintMs: number }> = [];
  try {
    for (const bundle of bundles) {
      const running = await startBundle(bundle);
      try {
        const { idleKb, followingKb } = await memory(running);
        const applications = (await (await fetch(`${running.url}/api/applications`)).json()).applications.length as number;
        const paints: number[] = [];
        for (let i = 0; i < 3; i++) paints.push(await firstFullPaintMs(browser, running.url, applications));
        results.push({ idleKb, followingKb, paintMs: median(paints) });
      } finally {
        await running.stop();
      }
    }
  } finally {
    await browser.close();
    bundles.forEach((b) => rmSync(b.dir, { recursive: true, force: true }));
  }
  const [now, then] = results;
  const [nowLabel, thenLabel] = bundles.map((b) => b.label);
  const rows = [
    sideBySide(
      SECTION,
      `portal RSS idle (${SETTLE_MS / 1000} s after listening)`,
      'Kb',
      { value: now.idleKb, label: nowLabel },
      { value: then.idleKb, label: thenLabel },
    ),
    sideBySide(
      SECTION,
      `portal RSS with ${VIEWERS} /ws-logs viewers (peak over ${FOLLOW_MS / 1000} s of a line every ${APPEND_EVERY_MS} ms)`,
      'Kb',
      { value: now.followingKb, label: nowLabel },
      { value: then.followingKb, label: thenLabel },
    ),
    sideBySide(
      SECTION,
      'first full paint: navigation to every application tab shown, loader gone (median of 3)',
      'Ms',
      { value: now.paintMs, label: nowLabel },
      { value: then.paintMs, label: thenLabel },
    ),
  ];
  for (const row of rows) {
    record(row);
    console.log(`  ${formatFigure(row)}`);
  }
}
