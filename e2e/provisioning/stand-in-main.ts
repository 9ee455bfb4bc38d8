// The stand-in servers of @vast/provisioner/testing, run inside a sidecar container on the suite's Docker network:
// http on :8080 (Hugging Face API and files, a simple index, static files), its CDN on :8081, and the manifest over
// https on :8443 with the suite's test certificate, which also plays the Vast console's certificate signer
// (POST /api/v0/sign_cert/?instance_id=<id>: the CSR signed by the suite's test CA; /refuse/: 403) and shows the
// webhooks received (GET /webhooks: the suite cannot read the stand-in's memory across the container boundary).
// Bundled by provisioning.spec.ts; argv[2] is its directory; manifest.yaml is read on each request, so the suite can
// swap it between boots.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { startStandIn } from '@vast/provisioner/testing';

async function main() {
  const dir = process.argv[2];
  const standIn = await startStandIn({ host: '0.0.0.0', port: 8080, publicHost: 'standin', staticDir: join(dir, 'static') });
  for (const file of readdirSync(join(dir, 'wheels')))
    standIn.wheels.set(file, { project: file.split('-')[0].replace(/_/g, '-'), file: join(dir, 'wheels', file) });
  const tls = { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) };
  createServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://standin');
    if (req.method === 'POST' && url.pathname === '/api/v0/sign_cert/') return signCertificate(dir, url, req, res);
    if (url.pathname.startsWith('/refuse/')) return void res.writeHead(403).end('refused');
    if (req.url === '/webhooks')
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(standIn.webhooks));
    if (req.url !== '/manifest.yaml') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(readFileSync(join(dir, 'manifest.yaml')));
  }).listen(8443, '0.0.0.0', () => console.log('stand-in ready'));
}

/** Signs the posted CSR with the suite's CA (openssl, as the image has it) and logs the instance id it was asked for. */
function signCertificate(dir: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    console.log(`sign_cert instance_id=${url.searchParams.get('instance_id')} content-type=${req.headers['content-type']}`);
    const work = mkdtempSync(join(tmpdir(), 'sign-'));
    try {
      writeFileSync(join(work, 'csr'), Buffer.concat(chunks));
      const signed = spawnSync(
        'openssl',
        [
          'x509',
          '-req',
          '-in',
          'csr',
          '-CA',
          join(dir, 'ca.crt'),
          '-CAkey',
          join(dir, 'ca.key'),
          '-CAcreateserial',
          '-days',
          '2',
          '-out',
          'crt',
        ],
        { cwd: work, encoding: 'utf8' },
      );
      if (signed.status !== 0) return void res.writeHead(400).end(signed.stderr);
      res.writeHead(200, { 'Content-Type': 'application/x-pem-file' }).end(readFileSync(join(work, 'crt')));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

void main();
