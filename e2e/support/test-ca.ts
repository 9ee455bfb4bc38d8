// A throwaway certificate authority and a server certificate for 127.0.0.1, made with openssl in a temp folder, so a
// test can serve https on loopback and hand the CA to a client (curl reads CURL_CA_BUNDLE; node takes `ca`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** Path of the CA certificate (PEM), to trust. */
  caFile: string;
  /** The server's key and certificate (PEM), valid for IP 127.0.0.1 and DNS localhost. */
  key: string;
  cert: string;
  remove: () => void;
}

/** `dnsNames`: more names the server certificate is valid for (a sidecar container's name on a test network). */
export function makeTestCa(prefix = 'vast-e2e-ca-', dnsNames: readonly string[] = []): TestCa {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=vast e2e test CA',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(
    at('server.ext'),
    `subjectAltName=IP:127.0.0.1,DNS:localhost${dnsNames.map((n) => `,DNS:${n}`).join('')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  return {
    caFile: at('ca.crt'),
    key: readFileSync(at('server.key'), 'utf8'),
    cert: readFileSync(at('server.crt'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
