// The portal server over temp files and a fake supervisord speaking real XML-RPC on a temp unix socket.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { ProvisioningProgress } from '@vast/conventions/provisioning-progress';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../testing/free-port';
import { startPortalFixture, type PortalFixture } from '../testing/portal-fixture';
import { makeTempDir } from '../testing/temp-dir';

const ACTION_HEADERS = { 'x-portal-request': '1' };

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads server-sent events until `enough` says stop; returns them as [event, data] pairs. */
async function readEvents(
  url: string,
  enough: (events: Array<[string, string]>) => boolean,
  during?: () => void,
): Promise<Array<[string, string]>> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<[string, string]> = [];
  let buffer = '';
  let started = false;
  const deadline = setTimeout(() => controller.abort(), 5000);
  try {
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = block.match(/^event: (.*)$/m)?.[1];
        const data = block.match(/^data: (.*)$/m)?.[1];
        if (event && data !== undefined) events.push([event, data]);
      }
      if (!started && during) {
        started = true;
        during();
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}

// `any`: the specs assert the JSON shape themselves.
type Json = any;

describe('portal server', () => {
  let portal: PortalFixture;
  const get = async (path: string) => {
    const response = await fetch(portal.url + path);
    return { status: response.status, body: (await response.json()) as Json };
  };
  const post = async (path: string, headers: Record<string, string> = ACTION_HEADERS) => {
    const response = await fetch(portal.url + path, { method: 'POST', headers });
    return { status: response.status, body: (await response.json()) as Json };
  };

  beforeEach(async () => {
    portal = await startPortalFixture({ port: 0 });
  });
  afterEach(async () => portal.stop());

  describe('GET /api/applications', () => {
    it('lists portal.yaml applications with their programs and states', async () => {
      const { status, body } = await get('/api/applications');
      expect(status).toBe(200);
      expect(body.errors).toEqual([]);
      expect(
        body.applications.map(
          (a: { label: string; externalPort: number; path: string; process: { name: string; state: string } | null }) => [
            a.label,
            a.externalPort,
            a.path,
            a.process?.name,
            a.process?.state,
          ],
        ),
      ).toEqual([
        ['Instance Portal', 1111, '/', 'instance_portal', 'running'],
        ['Jupyter', 8080, '/', 'jupyter', 'running'],
        ['Jupyter Terminal', 8080, '/terminals/1', 'jupyter', 'running'],
        ['Syncthing', 8384, '/', 'syncthing', 'skipped'],
      ]);
    });

    it('still lists the applications, with the reason, when supervisor is down', async () => {
      await portal.supervisor.close();
      const { status, body } = await get('/api/applications');
      expect(status).toBe(200);
      expect(body.applications).toHaveLength(4);
      expect(body.applications[1].process).toMatchObject({ name: 'jupyter', state: 'unknown' });
      expect(body.errors).toEqual([expect.stringMatching(/^supervisor is not reachable at .*supervisor\.sock/)]);
      expect((await get('/api/processes')).status).toBe(503);
    });
  });

  it('GET /api/processes lists every program, labelled or not', async () => {
    const { body } = await get('/api/processes');
    expect(body.processes.map((p: { name: string; state: string; label: string | null }) => [p.name, p.state, p.label])).toEqual([
      ['caddy', 'running', null],
      ['cron', 'running', null],
      ['instance_portal', 'running', 'Instance Portal'],
      ['jupyter', 'running', 'Jupyter'],
      ['syncthing', 'skipped', 'Syncthing'],
    ]);
  });

  describe('POST /api/processes/<name>/<action>', () => {
    it('restarts through supervisor: stop (waiting), then start, and the state moves back to running', async () => {
      const { status, body } = await post('/api/processes/jupyter/restart');
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: true, action: 'restart', process: { name: 'jupyter', state: 'starting' } });
      expect(portal.supervisor.calls.filter((c) => c.method !== 'supervisor.getAllProcessInfo')).toEqual([
        { method: 'supervisor.stopProcess', params: ['jupyter', true] },
        { method: 'supervisor.startProcess', params: ['jupyter', false] },
      ]);
      await until(
        () => get('/api/processes'),
        (r) => r.body.processes.find((p: { name: string }) => p.name === 'jupyter').state === 'running',
        'running',
      );
    });

    it('stops and starts, noting when nothing had to change', async () => {
      expect((await post('/api/processes/cron/stop')).body).toMatchObject({ note: null, process: { state: 'stopped' } });
      expect((await post('/api/processes/cron/stop')).body).toMatchObject({ note: 'it was not running' });
      expect((await post('/api/processes/cron/start')).body).toMatchObject({ note: null, process: { state: 'starting' } });
      expect((await post('/api/processes/cron/start')).body).toMatchObject({ note: 'it was already running' });
    });

    it('refuses requests that did not come from the page, changing nothing', async () => {
      const missing = await post('/api/processes/jupyter/stop', {});
      expect(missing.status).toBe(403);
      expect(missing.body.error).toMatch(/x-portal-request/);
      const crossSite = await post('/api/processes/jupyter/stop', { ...ACTION_HEADERS, 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      const viaGet = await get('/api/processes/jupyter/stop');
      expect(viaGet.status).toBe(405);
      expect(portal.supervisor.calls.filter((c) => c.method !== 'supervisor.getAllProcessInfo')).toEqual([]);
      expect(portal.supervisor.state('jupyter')).toBe('RUNNING');
    });

    it('answers 404 for an unknown program and 400 for a bad name', async () => {
      expect((await post('/api/processes/nope/start')).status).toBe(404);
      expect((await post('/api/processes/a%20b/start')).status).toBe(400);
      expect((await post('/api/processes/jupyter/explode')).status).toBe(404);
    });
  });

  describe('GET /api/logs/<name>', () => {
    it('returns the tail of the log', async () => {
      const { status, body } = await get('/api/logs/jupyter?lines=1');
      expect(status).toBe(200);
      expect(body).toEqual({ name: 'jupyter', lines: ['http://127.0.0.1:18080/tree'] });
    });

    it('rejects names outside [A-Za-z0-9_.-] and answers 404 for a missing log', async () => {
      expect((await get('/api/logs/..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
      expect((await get('/api/logs/.hidden')).status).toBe(400);
      expect((await get('/api/logs/missing')).status).toBe(404);
    });

    it('follows new lines and rotations as server-sent events', async () => {
      const events = await readEvents(
        `${portal.url}/api/logs/jupyter?follow`,
        (e) => e.some(([, data]) => data === 'after rotation'),
        () => {
          portal.writeLog('jupyter', 'a new line');
          setTimeout(() => {
            renameSync(portal.dir.file('log/jupyter.log'), portal.dir.file('log/jupyter.log.old'));
            portal.writeLog('jupyter', 'after rotation');
          }, 400);
        },
      );
      expect(events).toEqual([
        ['line', 'Jupyter Server 2.14 is running at:'],
        ['line', 'http://127.0.0.1:18080/tree'],
        ['line', 'a new line'],
        ['reset', 'the log file was replaced (the service restarted)'],
        ['line', 'after rotation'],
      ]);
    });

    it('waits for a log that does not exist yet', async () => {
      const events = await readEvents(
        `${portal.url}/api/logs/later?follow`,
        (e) => e.length >= 2,
        () => portal.writeLog('later', 'hello'),
      );
      expect(events[0][0]).toBe('waiting');
      expect(events[1]).toEqual(['line', 'hello']);
    });
  });

  it('GET /api/status reports provisioning from the markers', async () => {
    expect((await get('/api/status')).body).toEqual({ provisioning: 'none', progress: null });
    portal.setMarker('.provisioning_complete', true);
    expect((await get('/api/status')).body).toEqual({ provisioning: 'complete', progress: null });
    portal.setMarker('.provisioning_failed', true);
    expect((await get('/api/status')).body).toEqual({ provisioning: 'failed', progress: null });
    portal.setMarker('.provisioning', true);
    expect((await get('/api/status')).body).toEqual({ provisioning: 'in_progress', progress: null });
  });

  it("GET /api/status carries the provisioner's phase and downloads while it runs, and nothing stale or torn", async () => {
    const running: ProvisioningProgress = {
      state: 'running',
      phase: 'downloads',
      phaseIndex: 5,
      phaseCount: 8,
      attempt: 1,
      attempts: 3,
      updatedAt: '2026-11-30T10:00:00.000Z',
      downloads: [
        { name: 'model.safetensors', dest: '/workspace/models/model.safetensors', received: 1048576, total: 4194304, done: false },
      ],
    };
    portal.writeProvisioningProgress(JSON.stringify(running));
    portal.setMarker('.provisioning', true);
    expect((await get('/api/status')).body).toEqual({ provisioning: 'in_progress', progress: running });
    portal.writeProvisioningProgress('{"state": "running", "pha');
    expect((await get('/api/status')).body).toEqual({ provisioning: 'in_progress', progress: null });
    portal.writeProvisioningProgress(JSON.stringify(running));
    portal.setMarker('.provisioning', false);
    portal.setMarker('.provisioning_complete', true);
    expect((await get('/api/status')).body).toEqual({ provisioning: 'complete', progress: null });
  });

  describe('the page', () => {
    it('serves index.html, app.js and style.css with their types', async () => {
      for (const [path, type] of [
        ['/', 'text/html'],
        ['/app.js', 'text/javascript'],
        ['/style.css', 'text/css'],
      ]) {
        const response = await fetch(portal.url + path);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain(type);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect(await (await fetch(portal.url + '/')).text()).toContain('<title>Instance Portal</title>');
    });

    it('serves only names in the public folder, and only to GET', async () => {
      for (const path of ['/public/index.html', '/nope.js']) expect((await fetch(portal.url + path)).status).toBe(404);
      expect((await fetch(portal.url + '/', { method: 'POST' })).status).toBe(405);
    });
  });
});

/**
 * GET with the path exactly as written. fetch (and new URL) resolve `..` and `%2e%2e` before sending, so a traversal
 * test written with fetch never sends one.
 */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a path that climbs out of the public folder', () => {
  const TRAVERSALS = [
    '/../secret.js',
    '/%2e%2e/secret.js',
    '/.%2e/secret.js',
    '/..%2fsecret.js',
    '/%2e%2e%2fsecret.js',
    '/..%5csecret.js',
    '//../secret.js',
    '/x/../../secret.js',
  ];
  const SECRET = 'outside-the-public-folder';

  it('leaves this client as written (the request really is a traversal)', async () => {
    const echo = createServer((req, res) => res.end(req.url));
    const port = await listenOnLoopback(echo);
    try {
      for (const path of TRAVERSALS) expect((await rawGet(port, path)).body).toBe(path);
    } finally {
      echo.close();
    }
  });

  it('is refused with 404, and the file one level above the public folder is never sent', async () => {
    const dir = makeTempDir('portal-traversal-');
    mkdirSync(dir.file('public'));
    writeFileSync(dir.file('public/index.html'), '<title>inside</title>\n');
    writeFileSync(dir.file('secret.js'), `const secret = '${SECRET}';\n`);
    const portal = await startPortalFixture({ env: { PORTAL_PUBLIC_DIR: dir.file('public') } });
    try {
      // The public folder is the one given, so secret.js is really one `..` away.
      expect(await rawGet(portal.port, '/index.html')).toEqual({ status: 200, body: '<title>inside</title>\n' });
      for (const path of TRAVERSALS) {
        const answer = await rawGet(portal.port, path);
        expect({ path, status: answer.status }).toEqual({ path, status: 404 });
        expect(answer.body).not.toContain(SECRET);
      }
    } finally {
      await portal.stop();
      dir.remove();
    }
  });
});
