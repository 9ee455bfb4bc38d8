/// <reference lib="dom" />
// The attack suite: one booted base-image (local variant) behind its real Caddy, attacked the way issue 11 found it
// open: from a page on another port of the same address in real Chromium, with cookies and tokens, and from inside.
// Every test here failed on ac20962.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerLogs,
  dockerCommand,
  execInContainer,
  publishedPort,
  run,
  startSmokeContainer,
  type SmokeContainer,
} from '@vast/plugin/testing';
import { freePort } from '@vast/portal/testing';
import { buildLocalBaseImage } from '../support/local-base-image';
import { launchChromium, type ChromiumSession } from '../support/chromium';
import { eventually } from '../support/eventually';

const TOKEN = randomBytes(16).toString('hex');
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const ECHO_MARK = 'echo-application-content';
const PORTAL_CONFIG = [
  'localhost:1111:11111:/:Instance Portal',
  'localhost:8080:18080:/:Jupyter',
  'localhost:8080:8080:/terminals/1:Jupyter Terminal',
  'localhost:7000:17000:/:Echo',
].join('|');

/** A backend that answers every request with what it received, so the test sees what Caddy passed on. */
const ECHO_SERVER = `
import http.server, json
class Echo(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.rfile.read(int(self.headers.get('content-length') or 0))
        body = json.dumps({'mark': '${ECHO_MARK}', 'path': self.path, 'headers': {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = answer
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', 17000), Echo).serve_forever()
`;

/** The whole response to raw request bytes: fetch would normalise the paths this suite sends on purpose. */
function rawRequest(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
    );
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('base-image under attack (one booted container behind its real Caddy)', () => {
  let container: SmokeContainer;
  let browser: ChromiumSession;
  let attacker: Server;
  let attackerUrl: string;
  let port: { portal: number; jupyter: number; echo: number };
  let session: { name: string; value: string };

  const bearer = { authorization: `Bearer ${TOKEN}` };
  const cronPid = async () => (await execInContainer(container.id, ['supervisorctl', 'pid', 'cron'])).stdout.trim();
  /** Runs `script` in a page of the attacker's origin (another port of 127.0.0.1: same site, so the cookie goes along). */
  const fromAttackerPage = async <T>(script: (arg: string) => Promise<T>, arg: string): Promise<T> => {
    const page: Page = await browser.context.newPage();
    try {
      await page.goto(attackerUrl);
      return await page.evaluate(script, arg);
    } finally {
      await page.close();
    }
  };
  const openWebSocket = (url: string) =>
    new Promise<string>((resolve) => {
      const socket = new WebSocket(url);
      socket.onopen = () => {
        socket.close();
        resolve('opened');
      };
      socket.onerror = () => resolve('refused');
      setTimeout(() => resolve('no answer'), 15_000);
    });

  beforeAll(async () => {
    // SECURITY_E2E_IMAGE runs the attacks against another build (e.g. the one from before the fixes, to see them land).
    const image = process.env.SECURITY_E2E_IMAGE || (await buildLocalBaseImage());
    container = await startSmokeContainer({
      image,
      portalConfig: PORTAL_CONFIG,
      token: TOKEN,
      env: { WEB_PASSWORD: PASSWORD },
      provisioning: { kind: 'none' },
      namePrefix: 'wt-auth-e2e-security',
    });
    try {
      port = {
        portal: await publishedPort(container.id, 1111),
        jupyter: await publishedPort(container.id, 8080),
        echo: await publishedPort(container.id, 7000),
      };
      await run(dockerCommand(), ['exec', '-d', container.id, 'python3', '-c', ECHO_SERVER]);
      const ok = (url: string) =>
        fetch(url, { headers: bearer }).then(
          (r) => r.status === 200,
          () => false,
        );
      await eventually(
        'the portal, Jupyter and the echo application through Caddy',
        async () =>
          (await ok(`http://127.0.0.1:${port.portal}/api/applications`)) &&
          (await ok(`http://127.0.0.1:${port.jupyter}/api`)) &&
          (await ok(`http://127.0.0.1:${port.echo}/`)),
        { timeoutMs: 180_000 },
      );
      const attackerPort = await freePort();
      attacker = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>another application on this host</title>'),
      );
      await new Promise<void>((resolve) => attacker.listen(attackerPort, '127.0.0.1', resolve));
      attackerUrl = `http://127.0.0.1:${attackerPort}/`;
      browser = await launchChromium('wt-auth-e2e-security');
      // The victim logs in the way the platform's open button does.
      const page = await browser.context.newPage();
      const response = await page.goto(`http://127.0.0.1:${port.portal}/?token=${TOKEN}`);
      expect(response?.status()).toBe(200);
      await page.close();
      const cookie = (await browser.context.cookies(`http://127.0.0.1:${port.portal}/`)).find((c) => c.name.endsWith('_auth_token'));
      expect(cookie, 'no auth cookie after the ?token= login').toBeDefined();
      session = { name: cookie!.name, value: cookie!.value };
    } catch (error) {
      console.error(`container ${container?.name} log tail:\n${container ? await containerLogs(container.id, 80) : ''}`);
      throw error;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
    await container?.remove();
  });

  it('sets a session cookie after a ?token= or password login that is neither the token nor the password', async () => {
    expect(session.value).not.toContain(TOKEN);
    expect(session.value).not.toContain(PASSWORD);
    const basic = await fetch(`http://127.0.0.1:${port.portal}/`, {
      headers: { authorization: `Basic ${Buffer.from(`vastai:${PASSWORD}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    const value = /^[^=]+=([^;]*)/.exec(basic.headers.get('set-cookie') ?? '')?.[1];
    expect(value).toBeDefined();
    expect(value).not.toContain(TOKEN);
    expect(value).not.toContain(PASSWORD);
  });

  it('refuses the Jupyter terminal WebSocket to a page on another port, and opens it for Jupyter itself', async () => {
    const own = await browser.context.newPage();
    try {
      // The victim opens a terminal from Jupyter's own page, as its Terminal link does.
      await own.goto(`http://127.0.0.1:${port.jupyter}/tree`);
      const name = await own.evaluate(async () => {
        const xsrf = /(?:^|; )_xsrf=([^;]*)/.exec(document.cookie)?.[1] ?? '';
        const response = await fetch('/api/terminals', {
          method: 'POST',
          headers: { 'x-xsrftoken': decodeURIComponent(xsrf), 'content-type': 'application/json' },
          body: '{}',
        });
        return ((await response.json()) as { name: string }).name;
      });
      expect(name).toMatch(/^\w+$/);
      const terminal = `ws://127.0.0.1:${port.jupyter}/terminals/websocket/${name}`;
      expect(await fromAttackerPage(openWebSocket, terminal)).toBe('refused');
      expect(await own.evaluate(openWebSocket, terminal)).toBe('opened');
    } finally {
      await own.close();
    }
  });

  it('refuses a portal action sent from a page on another port, at Caddy', async () => {
    const before = await cronPid();
    const action = `http://127.0.0.1:${port.portal}/api/processes/cron/restart`;
    await fromAttackerPage(
      (url) =>
        fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'x' }).then(
          () => 'sent',
          () => 'failed',
        ),
      action,
    );
    // What a page cannot read, a script can show: the same request, with the page header the portal itself checks.
    const forged = await fetch(action, {
      method: 'POST',
      headers: { origin: attackerUrl.replace(/\/$/, ''), cookie: `${session.name}=${session.value}`, 'x-portal-request': '1' },
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toMatch(/^Cross-origin request refused/);
    expect(await cronPid()).toBe(before);
  });

  it('passes neither the session cookie nor Authorization to an application', async () => {
    const response = await fetch(`http://127.0.0.1:${port.echo}/seen`, {
      headers: { ...bearer, cookie: `theme=dark; ${session.name}=${session.value}` },
    });
    const seen = (await response.json()) as { mark: string; headers: Record<string, string> };
    expect(seen.mark).toBe(ECHO_MARK);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie ?? '').not.toContain(session.name);
    expect(seen.headers.cookie).toContain('theme=dark');
    expect(JSON.stringify(seen)).not.toContain(TOKEN);
  });

  it('gives /MANIFEST.JSON and friends no application content without auth', async () => {
    for (const path of [
      '/manifest.json',
      '/MANIFEST.JSON',
      '//manifest.json',
      '/manifest.json%20',
      '/site.webmanifest',
      '/.well-known/acme-challenge/x',
      '/security.txt',
      '/.well-known/security.txt',
    ]) {
      const response = await rawRequest(port.echo, path);
      expect(response, path).toMatch(/^HTTP\/1\.1 (401|404) /);
      expect(response, path).not.toContain(ECHO_MARK);
    }
  });

  it('rate-limits a wrong token sent 20 times', async () => {
    // From inside the instance: another client address than the host's, so the other tests are not locked out.
    const loop =
      'for i in $(seq 20); do curl -s -o /dev/null -w "%{http_code}\\n" -H "Authorization: Bearer wrong-$i" http://127.0.0.1:8080/; done';
    const statuses = (await execInContainer(container.id, ['bash', '-c', loop])).stdout.trim().split('\n');
    expect(statuses).toHaveLength(20);
    expect(statuses[0]).toBe('401');
    expect(statuses.slice(-5)).toEqual(Array(5).fill('429'));
  });

  it('keeps every file that holds a secret root-only (0600), and the Caddyfile free of secrets', async () => {
    const modes = await execInContainer(container.id, ['stat', '-c', '%a %U %n', '/etc/environment', '/etc/portal-auth.json']);
    expect(modes.stdout.trim().split('\n')).toEqual(['600 root /etc/environment', '600 root /etc/portal-auth.json']);
    const holders = await execInContainer(container.id, [
      'bash',
      '-c',
      'grep -rlsF -e "$1" -e "$2" /etc /opt /root /var/log /workspace | xargs -r stat -c "%a %n"',
      'find',
      TOKEN,
      PASSWORD,
    ]);
    const files = holders.stdout.trim().split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0); // /etc/environment at least
    for (const line of files) expect(line).toMatch(/^600 /);
    expect(files.join('\n')).not.toMatch(/Caddyfile|portal\.yaml/);
  });

  // Last: it switches the instance to generated credentials, after which the suite's token no longer logs in.
  it('prints neither the token nor the password to docker logs, given or generated', async () => {
    const boot = await containerLogs(container.id, 100_000);
    expect(boot).toContain('portal-config: wrote /etc/Caddyfile');
    expect(boot).not.toContain(TOKEN);
    expect(boot).not.toContain(PASSWORD);
    // Neither set (empty values in /etc/environment override the container's): caddy's restart generates a secret.
    await execInContainer(container.id, [
      'bash',
      '-c',
      'printf \'OPEN_BUTTON_TOKEN=""\\nWEB_PASSWORD=""\\n\' >> /etc/environment && supervisorctl restart caddy',
    ]);
    await eventually(
      'caddy to serve the generated credentials',
      () =>
        fetch(`http://127.0.0.1:${port.portal}/`, { headers: bearer }).then(
          (r) => r.status !== 200,
          () => false,
        ),
      { timeoutMs: 60_000 },
    );
    // Where the generated secret is kept: /etc/portal-credentials now; the Caddyfile before the fix.
    const find =
      'sed -n "s/^password=//p" /etc/portal-credentials 2>/dev/null; grep -o "query token=[^ ]*" /etc/Caddyfile | head -1 | cut -d= -f2';
    const secret = (await execInContainer(container.id, ['bash', '-c', find])).stdout.trim().split('\n')[0];
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const logs = await containerLogs(container.id, 100_000);
    expect(logs).toMatch(/generated web credentials/);
    expect(logs).not.toContain(secret);
  });
});
