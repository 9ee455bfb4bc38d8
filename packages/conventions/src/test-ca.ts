// For tests only (exported by @vast/conventions/testing, never by the package index): a throwaway certificate
// authority and a server certificate for 127.0.0.1 and localhost, made with openssl in a temp folder, so a test can
// serve https on loopback and hand the CA to a client (curl: CURL_CA_BUNDLE; node: `ca`; Caddy: the files). It does
// I/O, unlike the rest of this package; it lives here because conventions is the one project the portal's, the
// provisioner's and the end-to-end tests may all import.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The CA's common name: what a certificate it signed shows as its issuer. */
export const TEST_CA_NAME = 'vast test CA';

export interface TestCa {
  /** The CA certificate (PEM), to trust: its file and its text. */
  caFile: string;
  caCert: string;
  /** Path of the CA's private key (PEM), for a stand-in that signs certificates with this CA. */
  caKeyFile: string;
  /** The server's key and certificate (PEM), valid for IP 127.0.0.1, DNS localhost and the extra names: files and text. */
  keyFile: string;
  certFile: string;
  key: string;
  cert: string;
  remove: () => void;
}

/** `dnsNames`: more names the server certificate is valid for (a sidecar container's name on a test network). */
export function makeTestCa(prefix = 'vast-test-ca-', dnsNames: readonly string[] = []): TestCa {
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
    `/CN=${TEST_CA_NAME}`,
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
    caKeyFile: at('ca.key'),
    caCert: readFileSync(at('ca.crt'), 'utf8'),
    keyFile: at('server.key'),
    certFile: at('server.crt'),
    key: readFileSync(at('server.key'), 'utf8'),
    cert: readFileSync(at('server.crt'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
