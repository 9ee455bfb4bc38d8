// fetch-script, the one way BOOT_SCRIPT, HOTFIX_SCRIPT and PROVISIONING_SCRIPT reach the container, for real: the
// image's bash script and curl against stand-in https and http servers on loopback, trusted through a test CA.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '@vast/plugin/testing';
import { repoRoot } from '../support/scratch-workspace';
import { makeTestCa, type TestCa } from '@vast/conventions/testing';

const FETCH_SCRIPT = join(repoRoot, 'packages/images/base-image/ROOT/opt/instance-tools/bin/fetch-script');
const SCRIPT = '#!/bin/bash\r\necho provisioned\r\n'; // CRLF, as a script saved on Windows arrives
const SCRIPT_SHA256 = createHash('sha256').update(SCRIPT).digest('hex');
const TOKEN = 'tok-5ecret-e2e';

let ca: TestCa;
let dir: string;
let https: Server;
let http: Server;
let httpsBase: string;
let httpBase: string;
/** Paths (with query) each server was asked for, in order. */
const asked = { https: [] as string[], http: [] as string[] };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function serve(kind: 'https' | 'http') {
  return (req: IncomingMessage, res: ServerResponse) => {
    asked[kind].push(req.url ?? '');
    const path = (req.url ?? '').split('?')[0];
    if (path === '/script.sh') return res.end(SCRIPT);
    if (path === '/empty.sh') return res.end('');
    if (path === '/to-http') return res.writeHead(302, { location: `${httpBase}/script.sh?token=${TOKEN}` }).end();
    if (path === '/to-https') return res.writeHead(302, { location: `${httpsBase}/script.sh` }).end();
    res.writeHead(404).end('not here');
  };
}

beforeAll(async () => {
  ca = makeTestCa();
  https = createHttpsServer({ key: ca.key, cert: ca.cert }, serve('https'));
  http = createHttpServer(serve('http'));
  httpsBase = `https://127.0.0.1:${await listen(https)}`;
  httpBase = `http://127.0.0.1:${await listen(http)}`;
});
afterAll(() => {
  https?.close();
  http?.close();
  ca?.remove();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-e2e-fetch-script-'));
  asked.https.length = 0;
  asked.http.length = 0;
  return () => rmSync(dir, { recursive: true, force: true });
});

/** Runs the real fetch-script with NAME (and NAME_SHA256) set as the boot stages have them; never throws. */
async function fetchScript(name: string, source: string, sha256?: string) {
  const dest = join(dir, 'fetched.sh');
  const env: Record<string, string | undefined> = {
    [name]: source,
    [`${name}_SHA256`]: sha256,
    CURL_CA_BUNDLE: ca.caFile, // trust the test CA, as the image trusts the system store
    // Loopback only: no proxy in between.
    http_proxy: undefined,
    https_proxy: undefined,
    HTTP_PROXY: undefined,
    HTTPS_PROXY: undefined,
    ALL_PROXY: undefined,
    all_proxy: undefined,
  };
  const result = await run('bash', [FETCH_SCRIPT, name, dest], { env, reject: false, timeoutMs: 60_000 });
  return { ...result, output: `${result.stdout}\n${result.stderr}`, dest, fetched: existsSync(dest) ? readFileSync(dest, 'utf8') : null };
}

describe('fetch-script', () => {
  it('fetches an https URL, converts CRLF, makes it executable, and logs the URL without its query string', async () => {
    const result = await fetchScript('PROVISIONING_SCRIPT', `${httpsBase}/script.sh?token=${TOKEN}&x=1`);
    expect(result.exitCode, result.output).toBe(0);
    expect(asked.https).toEqual([`/script.sh?token=${TOKEN}&x=1`]); // the real URL was fetched...
    expect(result.output).toContain(`fetching PROVISIONING_SCRIPT from ${httpsBase}/script.sh?<redacted>`);
    expect(result.output).not.toContain(TOKEN); // ...and only its redacted form logged
    expect(result.fetched).toBe('#!/bin/bash\necho provisioned\n');
    expect(statSync(result.dest).mode & 0o777).toBe(0o755);
  });

  it.each([
    ['http', () => `${httpBase}/script.sh?token=${TOKEN}`],
    ['ftp', () => `ftp://127.0.0.1:21/script.sh?token=${TOKEN}`],
    ['file', () => `file://${FETCH_SCRIPT}`],
  ])('refuses a %s:// URL before any request, naming the variable', async (_scheme, url) => {
    const result = await fetchScript('HOTFIX_SCRIPT', url());
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/HOTFIX_SCRIPT is \S+: only https:\/\/ URLs are fetched/);
    expect(result.output).not.toContain(TOKEN);
    expect(asked.http).toEqual([]);
    expect(result.fetched).toBeNull();
  });

  it('refuses an https URL that redirects down to http, without following it', async () => {
    const result = await fetchScript('BOOT_SCRIPT', `${httpsBase}/to-http?token=${TOKEN}`);
    expect(result.exitCode).not.toBe(0);
    expect(asked.https).toEqual([`/to-http?token=${TOKEN}`]);
    expect(asked.http).toEqual([]);
    expect(result.output).toContain(`could not fetch BOOT_SCRIPT from ${httpsBase}/to-http?<redacted>`);
    expect(result.output).not.toContain(TOKEN);
    expect(result.fetched).toBeNull();
  });

  it('follows a redirect that stays on https', async () => {
    const result = await fetchScript('BOOT_SCRIPT', `${httpsBase}/to-https`);
    expect(result.exitCode, result.output).toBe(0);
    expect(asked.https).toEqual(['/to-https', '/script.sh']);
    expect(result.fetched).toBe('#!/bin/bash\necho provisioned\n');
  });

  it('checks NAME_SHA256 (of the content as served) before anything is written', async () => {
    const good = await fetchScript('PROVISIONING_SCRIPT', `${httpsBase}/script.sh`, SCRIPT_SHA256.toUpperCase());
    expect(good.exitCode, good.output).toBe(0);
    expect(good.output).toContain(`PROVISIONING_SCRIPT matches PROVISIONING_SCRIPT_SHA256 (${SCRIPT_SHA256})`);

    rmSync(good.dest);
    const wrong = 'ab'.repeat(32);
    const bad = await fetchScript('PROVISIONING_SCRIPT', `${httpsBase}/script.sh?token=${TOKEN}`, wrong);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.output).toContain(`does not match PROVISIONING_SCRIPT_SHA256: expected ${wrong}, got ${SCRIPT_SHA256}; not running it`);
    expect(bad.output).not.toContain(TOKEN);
    expect(bad.fetched).toBeNull();

    const notAHash = await fetchScript('PROVISIONING_SCRIPT', `${httpsBase}/script.sh`, 'latest');
    expect(notAHash.exitCode).not.toBe(0);
    expect(notAHash.output).toContain("PROVISIONING_SCRIPT_SHA256 is 'latest', not a SHA-256");
    expect(notAHash.fetched).toBeNull();
  });

  it('keeps taking a path inside the container, checked against NAME_SHA256 too', async () => {
    const local = join(dir, 'local.sh');
    writeFileSync(local, SCRIPT);
    const ok = await fetchScript('HOTFIX_SCRIPT', local, SCRIPT_SHA256);
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.fetched).toBe('#!/bin/bash\necho provisioned\n');
    rmSync(ok.dest);
    const bad = await fetchScript('HOTFIX_SCRIPT', local, '00'.repeat(32));
    expect(bad.exitCode).not.toBe(0);
    expect(bad.fetched).toBeNull();
  });

  it('says why when the source is missing, empty or not served', async () => {
    const missing = await fetchScript('HOTFIX_SCRIPT', join(dir, 'nope.sh'));
    expect(missing.output).toContain('neither an https URL nor a file in the container');
    const empty = await fetchScript('HOTFIX_SCRIPT', `${httpsBase}/empty.sh`);
    expect(empty.output).toContain(`HOTFIX_SCRIPT (${httpsBase}/empty.sh) is empty`);
    const notFound = await fetchScript('HOTFIX_SCRIPT', `${httpsBase}/gone.sh?token=${TOKEN}`);
    expect(notFound.output).toMatch(/could not fetch HOTFIX_SCRIPT from .*\/gone\.sh\?<redacted>.*404/);
    expect(notFound.output).not.toContain(TOKEN);
    for (const result of [missing, empty, notFound]) {
      expect(result.exitCode).not.toBe(0);
      expect(result.fetched).toBeNull();
    }
  });
});
