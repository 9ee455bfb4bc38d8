// With ENABLE_HTTPS=true and a certificate, the real Caddy serves HTTPS on the external port and redirects plain
// HTTP on that same port to HTTPS (the http_redirect listener wrapper), auth gate unchanged.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPortalConfig } from './apply-portal-config';
import { startAuthGate, type RunningAuthGate } from '../testing/auth-gate';
import { hasCaddy, runCaddy, type RunningCaddy } from '../testing/caddy';
import { freePort } from '../testing/free-port';
import { makeTempDir, type TempDir } from '../testing/temp-dir';
import { makeTestCa, type TestCa } from '@vast/conventions/testing';

function get(
  secure: boolean,
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, headers, rejectUnauthorized: false };
    const req = (secure ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Caddy with TLS', () => {
  let dir: TempDir;
  let ca: TestCa;
  let caddy: RunningCaddy;
  let port: number;
  let gate: RunningAuthGate;

  beforeAll(async () => {
    expect(hasCaddy(), 'caddy is not installed: apt-get install -y caddy').toBe(true);
    dir = makeTempDir('portal-caddy-tls-');
    ca = makeTestCa('portal-caddy-tls-ca-');
    port = await freePort();
    gate = await startAuthGate(dir);
    const code = applyPortalConfig(
      {
        PORTAL_CONFIG: `127.0.0.1:${port}:${await freePort()}:/:Portal`,
        OPEN_BUTTON_TOKEN: 'tls0token0123456',
        ...gate.env,
        ENABLE_HTTPS: 'true',
        PORTAL_YAML_PATH: dir.file('portal.yaml'),
        PORTAL_CADDYFILE_PATH: dir.file('Caddyfile'),
        PORTAL_TLS_CERT_PATH: ca.certFile,
        PORTAL_TLS_KEY_PATH: ca.keyFile,
      },
      { stdout: { write: () => 0 }, stderr: { write: () => 0 } },
    );
    expect(code).toBe(0);
    caddy = await runCaddy(readFileSync(dir.file('Caddyfile'), 'utf8'), [port]);
  });

  afterAll(async () => {
    await caddy?.stop();
    await gate?.stop();
    dir?.remove();
    ca?.remove();
  });

  it('answers HTTPS with the auth gate', async () => {
    expect((await get(true, port, '/')).status).toBe(401);
    const login = await get(true, port, '/?token=tls0token0123456', { accept: 'text/html' });
    expect(login.status).toBe(302);
    // The gate sees https in X-Forwarded-Proto and marks the session cookie Secure.
    expect(String(login.headers['set-cookie'])).toContain('; Secure');
    expect((await get(true, port, '/', { authorization: 'Bearer tls0token0123456' })).status).toBe(502); // gate passed; no backend
  });

  it('redirects plain HTTP on the same port to HTTPS', async () => {
    const response = await get(false, port, '/x?y=1');
    expect(response.status).toBeGreaterThanOrEqual(301);
    expect(response.status).toBeLessThanOrEqual(308);
    expect(response.headers.location).toBe(`https://127.0.0.1:${port}/x?y=1`);
  });
});
