// The generated Caddyfile, run by the real Caddy 2.6 in front of a tiny backend and the real auth gate (portal-auth):
// every way in, and every way not in.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyPortalConfig } from './apply-portal-config';
import { startAuthGate, type RunningAuthGate } from '../testing/auth-gate';
import { hasCaddy, runCaddy, type RunningCaddy } from '../testing/caddy';
import { freePort } from '../testing/free-port';
import { makeTempDir, type TempDir } from '../testing/temp-dir';

const TOKEN = 'b7e3c0ffee-0123456789';
const PASSWORD = 'pass-word.1-0123456789';
const COOKIE = 'C.77_auth_token';
const BACKEND_BODY = 'the application itself';

/** Sends raw bytes and returns the status line: fetch cannot send an Upgrade header or a path it would normalise. */
function rawStatusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
  });
}

/** A GET from another loopback address: the gate counts failures per client address, and earlier tests used 127.0.0.1. */
function statusFrom(localAddress: string, port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', localAddress, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Caddy in front of an application, with the generated auth gate', () => {
  let dir: TempDir;
  let backend: Server;
  let gate: RunningAuthGate;
  let caddy: RunningCaddy;
  let seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
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
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          // Past Caddy's 512-byte minimum, so an encoder really engages (the portal's log tail is this long too).
          res.write(`data: first\n\n${': padding\n'.repeat(200)}\n`);
          setTimeout(() => res.end('data: last\n\n'), 3000);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${BACKEND_BODY}: ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => backend.listen(backendPort, '127.0.0.1', resolve));
    gate = await startAuthGate(dir);
    // The excluded site proxies to a port nothing listens on: reaching it at all is what the test checks (502, not 401).
    const env = {
      PORTAL_CONFIG: `127.0.0.1:${port}:${backendPort}:/:Portal|127.0.0.1:${openPort}:${openBackendPort}:/:Open`,
      OPEN_BUTTON_TOKEN: TOKEN,
      WEB_PASSWORD: PASSWORD,
      VAST_CONTAINERLABEL: 'C.77',
      AUTH_EXCLUDE: String(openPort),
      PORTAL_YAML_PATH: dir.file('portal.yaml'),
      PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
      ...gate.env,
    };
    const out: string[] = [];
    const code = applyPortalConfig(env, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } });
    expect(code, out.join('')).toBe(0);
    caddy = await runCaddy(readFileSync(dir.file('Caddyfile'), 'utf8'), [port, openPort]);
  });

  afterAll(async () => {
    await caddy?.stop();
    await gate?.stop();
    await new Promise((resolve) => backend?.close(resolve));
    dir?.remove();
  });

  beforeEach(() => {
    seen = [];
  });

  const url = (path: string, p = port) => `http://127.0.0.1:${p}${path}`;
  const sameOrigin = () => `http://127.0.0.1:${port}`;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const sessionOf = (response: Response) => /^C\.77_auth_token=([^;]+);/.exec(response.headers.get('set-cookie') ?? '')?.[1];

  it('holds no secret in the Caddyfile', () => {
    const text = readFileSync(dir.file('Caddyfile'), 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PASSWORD);
  });

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
    const response = await fetch(url('/api/applications'), { headers: bearer });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`${BACKEND_BODY}: GET /api/applications`);
  });

  it('rejects a wrong bearer token or a wrong ?token', async () => {
    expect((await fetch(url('/'), { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(url(`/?token=${TOKEN}x`))).status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('gives a browser opening ?token= a session cookie (not the token) and a redirect without the token', async () => {
    const response = await fetch(url(`/?a=1&token=${TOKEN}&b=2`), {
      redirect: 'manual',
      headers: { accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/?a=1&b=2');
    expect(response.headers.get('set-cookie')).toMatch(/^C\.77_auth_token=[^;]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
    const session = sessionOf(response)!;
    expect(session).not.toContain(TOKEN);
    expect(session).not.toContain(PASSWORD);
    expect(seen).toEqual([]);
    const followed = await fetch(url('/?a=1&b=2'), { headers: { cookie: `other=1; ${COOKIE}=${session}` } });
    expect(followed.status).toBe(200);
  });

  it('serves an API client with ?token= directly, with the token stripped and a session cookie set', async () => {
    const response = await fetch(url(`/api/status?token=${TOKEN}`));
    expect(response.status).toBe(200);
    expect(sessionOf(response)).toMatch(/^[0-9]+\./);
    expect(seen.map((r) => r.url)).toEqual(['/api/status']);
    await fetch(url(`/api/status?x=1&token=${TOKEN}&access_token=keep`));
    expect(seen.map((r) => r.url)).toEqual(['/api/status', '/api/status?x=1&access_token=keep']);
  });

  it('rejects the token itself, or a made-up value, as the cookie', async () => {
    expect((await fetch(url('/'), { headers: { cookie: `${COOKIE}=${TOKEN}` } })).status).toBe(401);
    expect((await fetch(url('/'), { headers: { cookie: `${COOKIE}=wrong` } })).status).toBe(401);
  });

  it('serves basic auth with WEB_USERNAME (default vastai) and WEB_PASSWORD, then sets a session cookie', async () => {
    const response = await fetch(url('/x'), { headers: { authorization: basic('vastai', PASSWORD) } });
    expect(response.status).toBe(200);
    const session = sessionOf(response)!;
    expect(session).toBeDefined();
    expect(session).not.toContain(PASSWORD);
    expect((await fetch(url('/x'), { headers: { authorization: basic('vastai', 'wrong') } })).status).toBe(401);
    expect((await fetch(url('/x'), { headers: { authorization: basic('root', PASSWORD) } })).status).toBe(401);
  });

  it('passes neither Authorization nor the session cookie to the application, and keeps its other cookies and the body', async () => {
    const login = await fetch(url(`/?token=${TOKEN}`));
    const session = sessionOf(login)!;
    seen = [];
    const response = await fetch(url('/save'), {
      method: 'POST',
      body: 'notebook content',
      headers: { ...bearer, origin: sameOrigin(), cookie: `_xsrf=abc; ${COOKIE}=${session}; theme=dark` },
    });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].headers.cookie).toBe('_xsrf=abc;theme=dark');
    expect(seen[0].body).toBe('notebook content');
    // The application is told the request is its own origin (its Host is rewritten too), so it needs no allow_origin=*.
    expect(seen[0].headers.origin).toBe(`http://127.0.0.1:${new URL(`http://${seen[0].headers.host}`).port}`);
  });

  it('refuses a state-changing request or a WebSocket from another origin (403), even with valid credentials', async () => {
    const attacker = `http://127.0.0.1:${openPort}`;
    const post = await fetch(url('/api/processes/jupyter/restart'), { method: 'POST', headers: { ...bearer, origin: attacker } });
    expect(post.status).toBe(403);
    for (const other of ['http://evil.example', 'null', `http://localhost:${port}`]) {
      expect((await fetch(url('/x'), { method: 'PUT', headers: { ...bearer, origin: other } })).status).toBe(403);
    }
    const upgrade = await rawStatusLine(
      port,
      `GET /terminals/websocket/1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: ${attacker}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toBe('HTTP/1.1 403 Forbidden');
    expect(seen).toEqual([]);
    // A cross-origin read is not refused here (a page may embed an image), and same-origin writes pass.
    expect((await fetch(url('/x'), { headers: { ...bearer, origin: attacker } })).status).toBe(200);
    expect((await fetch(url('/x'), { method: 'POST', headers: { ...bearer, origin: sameOrigin() } })).status).toBe(200);
  });

  it('answers the files browsers fetch on their own itself (404), in every spelling, without reaching the application', async () => {
    for (const path of [
      '/manifest.json',
      '/MANIFEST.JSON',
      '//manifest.json',
      '/manifest.json%20',
      '/Manifest.Json/',
      '/.well-known/acme-challenge/x',
      '/security.txt',
      '/%6danifest.json',
    ]) {
      const status = await rawStatusLine(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      expect(status, path).toMatch(/^HTTP\/1\.1 (404|401) /);
    }
    expect(seen).toEqual([]);
  });

  it('serves an AUTH_EXCLUDE port without credentials, and still refuses cross-origin writes there', async () => {
    expect((await fetch(url('/', openPort))).status).toBe(502); // reached the proxy: nothing listens behind it
    expect((await fetch(url('/', openPort), { method: 'POST', headers: { origin: sameOrigin() } })).status).toBe(403);
  });

  it('never writes a ?token= to its log, even when a request with one fails', async () => {
    expect((await fetch(url(`/down?token=${TOKEN}`, openPort))).status).toBe(502); // logged as an error, with its URI
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(caddy.output()).toContain('"uri":"/down?token=REDACTED"');
    expect(caddy.output()).not.toContain(TOKEN);
  });

  it.each(['gzip', 'zstd, gzip, deflate, br'])('streams server-sent events unbuffered when the client accepts %s', async (encodings) => {
    const started = Date.now();
    // What EventSource sends: Accept text/event-stream; browsers offer zstd first.
    const response = await fetch(url('/events'), { headers: { ...bearer, 'accept-encoding': encodings, accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: first');
    expect(Date.now() - started).toBeLessThan(2500); // the backend holds "last" back for 3 s
    await reader.cancel();
  });

  it('rate-limits wrong tokens from one client: 429 after 10 failures, even for the right token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await statusFrom('127.0.0.2', port, { authorization: `Bearer wrong-${i}` }));
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    expect(await statusFrom('127.0.0.2', port, bearer)).toBe(429);
    expect(await statusFrom('127.0.0.3', port, bearer)).toBe(200);
  });

  it('fails closed when the gate is down: 502, nothing proxied', async () => {
    await gate.stop();
    const response = await fetch(url('/'), { headers: bearer });
    expect(response.status).toBe(502);
    expect(seen).toEqual([]);
  }, 20_000);
});
