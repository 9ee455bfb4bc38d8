// The generated Caddyfile, run by the real Caddy 2.6 in front of a tiny backend: every way in, and every way not in.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyPortalConfig } from './apply-portal-config';
import { hasCaddy, runCaddy, type RunningCaddy } from '../testing/caddy';
import { freePort } from '../testing/free-port';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

const TOKEN = 'b7e3c0ffee';
const PASSWORD = 'pass-word.1';
const COOKIE = 'C.77_auth_token';

describe('Caddy in front of an application, with the generated auth gate', () => {
  let dir: TempDir;
  let backend: Server;
  let caddy: RunningCaddy;
  let seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  let port: number; // authenticated site
  let openPort: number; // AUTH_EXCLUDE site

  beforeAll(async () => {
    expect(hasCaddy(), 'caddy is not installed: apt-get install -y caddy').toBe(true);
    dir = makeTempDir('portal-caddy-auth-');
    const backendPort = await freePort();
    const openBackendPort = await freePort();
    port = await freePort();
    openPort = await freePort();
    backend = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        // Past Caddy's 512-byte minimum, so an encoder really engages (the portal's log tail is this long too).
        res.write(`data: first\n\n${': padding\n'.repeat(200)}\n`);
        setTimeout(() => res.end('data: last\n\n'), 3000);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`backend ${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => backend.listen(backendPort, '127.0.0.1', resolve));
    // The excluded site proxies to a port nothing listens on: reaching it at all is what the test checks (502, not 401).
    const env = {
      PORTAL_CONFIG: `127.0.0.1:${port}:${backendPort}:/:Portal|127.0.0.1:${openPort}:${openBackendPort}:/:Open`,
      OPEN_BUTTON_TOKEN: TOKEN,
      WEB_PASSWORD: PASSWORD,
      VAST_CONTAINERLABEL: 'C.77',
      AUTH_EXCLUDE: String(openPort),
      PORTAL_YAML_PATH: dir.file('portal.yaml'),
      PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
    };
    const out: string[] = [];
    const code = applyPortalConfig(env, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } });
    expect(code, out.join('')).toBe(0);
    caddy = await runCaddy(readFileSync(dir.file('Caddyfile'), 'utf8'), [port, openPort]);
  });

  afterAll(async () => {
    await caddy?.stop();
    await new Promise((resolve) => backend?.close(resolve));
    dir?.remove();
  });

  beforeEach(() => {
    seen = [];
  });

  const url = (path: string, p = port) => `http://127.0.0.1:${p}${path}`;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('answers 401 without credentials and never reaches the application', async () => {
    const response = await fetch(url('/api/applications'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(seen).toEqual([]);
  });

  it('does not let an unauthenticated POST through', async () => {
    const response = await fetch(url('/api/processes/jupyter/restart'), { method: 'POST' });
    expect(response.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('serves a request with the bearer token', async () => {
    const response = await fetch(url('/api/applications'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('backend GET /api/applications');
  });

  it('rejects a wrong bearer token or a wrong ?token', async () => {
    expect((await fetch(url('/'), { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(url(`/?token=${TOKEN}x`))).status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('gives a browser opening ?token= the cookie and a redirect without the token', async () => {
    const response = await fetch(url(`/?a=1&token=${TOKEN}&b=2`), {
      redirect: 'manual',
      headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/?a=1&b=2');
    expect(response.headers.get('set-cookie')).toBe(`${COOKIE}=${TOKEN}; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax`);
    expect(seen).toEqual([]);
  });

  it('serves an API client with ?token= directly, with the token stripped and the cookie set', async () => {
    const response = await fetch(url(`/api/status?token=${TOKEN}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toContain(`${COOKIE}=${TOKEN};`);
    expect(seen.map((r) => r.url)).toEqual(['/api/status']);
  });

  it('serves a request carrying the cookie', async () => {
    const response = await fetch(url('/'), { headers: { cookie: `other=1; ${COOKIE}=${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('backend GET /');
  });

  it('rejects a cookie with the wrong value', async () => {
    expect((await fetch(url('/'), { headers: { cookie: `${COOKIE}=wrong` } })).status).toBe(401);
  });

  it('serves basic auth with WEB_USERNAME (default vastai) and WEB_PASSWORD, then sets the cookie', async () => {
    const response = await fetch(url('/x'), { headers: { authorization: basic('vastai', PASSWORD) } });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toContain(`${COOKIE}=${TOKEN};`);
    expect((await fetch(url('/x'), { headers: { authorization: basic('vastai', 'wrong') } })).status).toBe(401);
    expect((await fetch(url('/x'), { headers: { authorization: basic('root', PASSWORD) } })).status).toBe(401);
  });

  it('lets public files through without credentials, for GET only', async () => {
    expect((await fetch(url('/manifest.json'))).status).toBe(200);
    expect((await fetch(url('/manifest.json'), { method: 'POST' })).status).toBe(401);
  });

  it('serves an AUTH_EXCLUDE port without credentials', async () => {
    expect((await fetch(url('/', openPort))).status).toBe(502); // reached the proxy: nothing listens behind it
  });

  it.each(['gzip', 'zstd, gzip, deflate, br'])('streams server-sent events unbuffered when the client accepts %s', async (encodings) => {
    const started = Date.now();
    // What EventSource sends: Accept text/event-stream; browsers offer zstd first.
    const response = await fetch(url('/events'), { headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': encodings, accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: first');
    expect(Date.now() - started).toBeLessThan(2500); // the backend holds "last" back for 3 s
    await reader.cancel();
  });
});
