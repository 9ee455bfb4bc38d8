// Upstream's Caddy behaviours (upstream-runtime.md §3.6) through the real Caddy 2.6 and the real auth gate, configured
// from the environment as the caddy program does it: the not-ready page while an application starts (and its
// Cloudflare variant), VAST_TCP_PORT_<n> gating, /portal-resolver, CADDY_HEADER_UP_LOCALHOST, CADDY_FLUSH_INTERVAL
// and CADDY_CORS_ALLOWED_*.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPortalConfig } from './apply-portal-config';
import { startAuthGate, type RunningAuthGate } from '../testing/auth-gate';
import { hasCaddy, runCaddy, type RunningCaddy } from '../testing/caddy';
import { freePort } from '../testing/free-port';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

const TOKEN = 'upstream0token0123456';
const ORIGIN = 'https://app.example';
const NOT_READY_DIR = join(__dirname, '../not-ready');

/** Whether anything accepts a TCP connection on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe("upstream's Caddy behaviours, through the real Caddy", () => {
  let dir: TempDir;
  let gate: RunningAuthGate;
  let caddy: RunningCaddy;
  let backend: Server | undefined;
  let port: number; // mapped, authenticated, HEADER_UP_LOCALHOST for its internal port
  let backendPort: number;
  let unmappedPort: number; // in PORTAL_CONFIG, but VAST_TCP_PORT_<it> is not set
  let output = '';
  const seen: IncomingMessage['headers'][] = [];
  let finishStream: (() => void) | undefined;

  beforeAll(async () => {
    expect(hasCaddy(), 'caddy is not installed: apt-get install -y caddy').toBe(true);
    dir = makeTempDir('portal-caddy-upstream-');
    [port, backendPort, unmappedPort] = await Promise.all([freePort(), freePort(), freePort()]);
    gate = await startAuthGate(dir);
    const code = applyPortalConfig(
      {
        PORTAL_CONFIG: `127.0.0.1:${port}:${backendPort}:/:App|127.0.0.1:${unmappedPort}:${await freePort()}:/:Unmapped`,
        OPEN_BUTTON_TOKEN: TOKEN,
        VAST_TCP_PORT_22: '40022',
        [`VAST_TCP_PORT_${port}`]: '40001',
        [`VAST_TCP_PORT_${unmappedPort}`]: '',
        CADDY_HEADER_UP_LOCALHOST: String(backendPort),
        CADDY_FLUSH_INTERVAL: '100ms',
        CADDY_CORS_ALLOWED_ORIGINS: ORIGIN,
        PORTAL_NOT_READY_DIR: NOT_READY_DIR,
        PORTAL_YAML_PATH: dir.file('portal.yaml'),
        PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
        ...gate.env,
      },
      { stdout: { write: (t: string) => (output += t) }, stderr: { write: (t: string) => (output += t) } },
    );
    expect(code, output).toBe(0);
    caddy = await runCaddy(readFileSync(dir.file('Caddyfile'), 'utf8'), [port]);
  });

  afterAll(async () => {
    finishStream?.();
    await caddy?.stop();
    await gate?.stop();
    if (backend) await new Promise((resolve) => backend!.close(resolve));
    dir?.remove();
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const bearer = { authorization: `Bearer ${TOKEN}` };

  it('serves no site for an entry whose external port the platform does not map, and says so', async () => {
    expect(output).toContain(`port ${unmappedPort} (Unmapped) gets no site: VAST_TCP_PORT_${unmappedPort} is not set`);
    expect(await listening(unmappedPort)).toBe(false);
    expect(await listening(port)).toBe(true);
  });

  it('answers /portal-resolver itself: 200, empty, CORS for anyone, no login', async () => {
    const response = await fetch(url('/portal-resolver?t=1'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('*');
  });

  it('shows the not-ready page (502, no-store, marked) while nothing listens, and 200 behind a Cloudflare tunnel', async () => {
    const response = await fetch(url('/lab'), { headers: bearer });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-portal-placeholder')).toBe('true');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const page = await response.text();
    expect(page).toContain('Check instance logs for progress');
    expect(page).toContain("method: 'HEAD'");
    // The page's own poll: HEAD gets the same answer until the application is up.
    const head = await fetch(url('/lab'), { method: 'HEAD', headers: bearer });
    expect([head.status, head.headers.get('x-portal-placeholder')]).toEqual([502, 'true']);
    const tunnel = await fetch(url('/lab'), { headers: { ...bearer, 'cf-ray': '8a1b2c3d4e5f-AMS' } });
    expect(tunnel.status).toBe(200);
    expect(tunnel.headers.get('x-portal-placeholder')).toBe('true');
    expect(await tunnel.text()).toContain('Check instance logs for progress');
    // The gate still comes first: no login, no page.
    expect((await fetch(url('/lab'))).status).toBe(401);
  });

  it('serves the application once it listens: Host and Origin localhost:<internal>, its own 5xx, CORS, no marker', async () => {
    backend = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.headers);
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first\n');
        finishStream = () => res.end('last\n');
        return;
      }
      if (req.url === '/busy') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('the application is busy');
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-portal-placeholder': 'from the app' };
      if (req.url === '/own-cors') headers['access-control-allow-origin'] = 'https://mine.example';
      res.writeHead(200, headers);
      res.end('the application');
    });
    await new Promise<void>((resolve) => backend!.listen(backendPort, '127.0.0.1', resolve));

    const response = await fetch(url('/lab'), { headers: { ...bearer, origin: `http://127.0.0.1:${port}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('the application');
    expect(response.headers.get('x-portal-placeholder')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
    expect(seen.at(-1)).toMatchObject({ host: `localhost:${backendPort}`, origin: `http://localhost:${backendPort}` });

    const own = await fetch(url('/own-cors'), { headers: bearer });
    expect(own.headers.get('access-control-allow-origin')).toBe('https://mine.example');

    const busy = await fetch(url('/busy'), { headers: bearer });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('x-portal-placeholder')).toBeNull();
    expect(await busy.text()).toBe('the application is busy');
  });

  it('lets a write from an origin CADDY_CORS_ALLOWED_ORIGINS names through, and still refuses other origins', async () => {
    const allowed = await fetch(url('/lab'), { method: 'POST', headers: { ...bearer, origin: ORIGIN } });
    expect(allowed.status).toBe(200);
    const other = await fetch(url('/lab'), { method: 'POST', headers: { ...bearer, origin: 'https://evil.example' } });
    expect(other.status).toBe(403);
  });

  it('flushes a response the application is still writing (CADDY_FLUSH_INTERVAL=100ms)', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream', headers: bearer }, (res) => {
        res.setEncoding('utf8');
        res.once('data', (chunk: string) => resolve(chunk));
      });
      req.on('error', reject);
      req.end();
    });
    // The application has not ended the response yet: this chunk can only have come from a flush.
    expect(first).toBe('first\n');
    expect(finishStream).toBeDefined();
    finishStream!();
    finishStream = undefined;
  });
});
