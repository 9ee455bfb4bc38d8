// A throwaway self-signed certificate for localhost, for specs that hand Caddy a certificate from files (as
// 55-tls-cert-gen.sh does in the image).
import { execFileSync } from 'node:child_process';
import type { TempDir } from './temp-dir';

/** Writes `instance.crt` and `instance.key` into `dir` (one day, RSA 2048, CN=localhost) and returns their paths. */
export function writeSelfSignedCert(dir: TempDir): { cert: string; key: string } {
  const cert = dir.file('instance.crt');
  const key = dir.file('instance.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
