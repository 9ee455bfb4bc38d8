// The stand-in servers of @vast/provisioner/testing, run inside a sidecar container on the suite's Docker network:
// http on :8080 (Hugging Face API and files, a simple index, static files), its CDN on :8081, and the manifest over
// https on :8443 with the suite's test certificate. Bundled by provisioning.spec.ts; argv[2] is its directory.
import { readdirSync, readFileSync } from 'node:fs';
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
    if (req.url !== '/manifest.yaml') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(readFileSync(join(dir, 'manifest.yaml')));
  }).listen(8443, '0.0.0.0', () => console.log('stand-in ready'));
}

void main();
