// Stand-in servers for the provisioner's tests, on loopback only: a fake Hugging Face (the real URL shapes, a
// Bearer check, a redirect to a CDN on another origin), a plain host (Content-Disposition, Range, flaky and slow
// responses), a PEP 503 simple index for wheels the test builds, and a webhook receiver.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export const HF_TOKEN = 'hf_standin_token';

export interface Hit {
  method: string;
  path: string;
  authorization?: string;
  range?: string;
}

export interface StandIn {
  /** http://127.0.0.1:<port> of the plain host, the HF API and the index. */
  url: string;
  /** Another origin the HF stand-in redirects file downloads to (as huggingface.co does to its CDN). */
  cdnUrl: string;
  /** Every request, in order, to both origins. */
  hits: Hit[];
  /** Files the plain host serves under /files/<name>; the test may add more. */
  files: Map<string, Buffer>;
  /** Files of the fake HF repo org/model at revision main. */
  hfFiles: Map<string, Buffer>;
  /** Wheels served by /simple/<project>/. */
  wheels: Map<string, { project: string; file: string }>;
  webhooks: unknown[];
  /** Text served at /manifest.yaml; failures left before it is served. */
  manifest: { text: string; failuresLeft: number };
  /** Fails /files/flaky this many more times with a 503. */
  flaky: { failuresLeft: number };
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Where to listen: loopback (unit tests) unless a test runs it in a sidecar container. */
  host?: string;
  /** The port of the main origin; the CDN origin takes the next one. 0 (default) picks free ports. */
  port?: number;
  /** The name clients reach it by, for the URLs it hands out (the CDN redirect). */
  publicHost?: string;
  /** Served as is under /static/ (a bare git repository after `git update-server-info`, for git's dumb http). */
  staticDir?: string;
}

const listen = (server: http.Server, host: string, port: number, publicHost: string) =>
  new Promise<string>((resolve) =>
    server.listen(port, host, () => resolve(`http://${publicHost}:${(server.address() as AddressInfo).port}`)),
  );

function serveRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, headers: http.OutgoingHttpHeaders = {}) {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    res.writeHead(206, {
      ...headers,
      'Content-Length': body.length - start,
      'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
    res.end(req.method === 'HEAD' ? undefined : body.subarray(start));
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1';
  const publicHost = options.publicHost ?? host;
  const hits: Hit[] = [];
  const files = new Map<string, Buffer>([
    ['plain.bin', Buffer.from('plain file\n')],
    ['cd', Buffer.from('named by the server\n')],
    ['flaky', Buffer.from('third time lucky\n')],
    ['big.bin', Buffer.alloc(256 * 1024, 7)],
  ]);
  const hfFiles = new Map<string, Buffer>([
    ['weights.safetensors', Buffer.from('fake safetensors\n')],
    ['config.json', Buffer.from('{"model":"fake"}\n')],
  ]);
  const wheels = new Map<string, { project: string; file: string }>();
  const webhooks: unknown[] = [];
  const manifest = { text: 'version: 1\n', failuresLeft: 0 };
  const flaky = { failuresLeft: 2 };
  const record = (req: http.IncomingMessage) =>
    hits.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });

  const cdn = http.createServer((req, res) => {
    record(req);
    const name = decodeURIComponent((req.url ?? '').replace(/^\/cdn\//, ''));
    const body = hfFiles.get(name);
    if (!body) return void res.writeHead(404).end();
    serveRange(req, res, body);
  });
  const cdnUrl = await listen(cdn, host, options.port ? options.port + 1 : 0, publicHost);

  const main = http.createServer((req, res) => {
    record(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const authorized = req.headers.authorization === `Bearer ${HF_TOKEN}`;
    if (path === '/api/whoami-v2')
      return void res
        .writeHead(authorized ? 200 : 401, { 'Content-Type': 'application/json' })
        .end(authorized ? '{"name":"standin"}' : '{"error":"Invalid credentials"}');
    if (path === '/api/models/org/model') {
      if (!authorized) return void res.writeHead(401).end();
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ id: 'org/model', siblings: [...hfFiles.keys()].map((rfilename) => ({ rfilename })) }));
    }
    const hf = /^\/org\/model\/resolve\/main\/(.+)$/.exec(path);
    if (hf) {
      // Gated repo: no token, no file. With one, a redirect to the CDN, as huggingface.co answers.
      if (!authorized) return void res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Access to model org/model is restricted.');
      if (!hfFiles.has(hf[1])) return void res.writeHead(404).end();
      return void res.writeHead(302, { Location: `${cdnUrl}/cdn/${encodeURIComponent(hf[1])}` }).end();
    }
    if (path === '/manifest.yaml') {
      if (manifest.failuresLeft > 0) {
        manifest.failuresLeft--;
        return void res.writeHead(503).end('try later');
      }
      return void res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(manifest.text);
    }
    if (path === '/hook' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        webhooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
      });
      return;
    }
    if (path === '/redirect/plain.bin') return void res.writeHead(301, { Location: '/files/plain.bin' }).end();
    const simple = /^\/simple\/([^/]+)\/$/.exec(path);
    if (simple) {
      const links = [...wheels.entries()]
        .filter(([, w]) => w.project === simple[1])
        .map(([file]) => `<a href="/wheels/${file}">${file}</a>`);
      return void res
        .writeHead(links.length ? 200 : 404, { 'Content-Type': 'text/html' })
        .end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>`);
    }
    const wheel = /^\/wheels\/(.+)$/.exec(path);
    if (wheel && wheels.has(wheel[1])) return serveRange(req, res, readFileSync(wheels.get(wheel[1])!.file));
    const inStatic = /^\/static\/(.+)$/.exec(path);
    if (inStatic && options.staticDir && !inStatic[1].split('/').includes('..')) {
      const target = join(options.staticDir, inStatic[1]);
      if (!existsSync(target) || !statSync(target).isFile()) return void res.writeHead(404).end();
      return serveRange(req, res, readFileSync(target));
    }
    const file = /^\/files\/(.+)$/.exec(path);
    if (file) {
      const name = file[1];
      if (name === 'flaky' && flaky.failuresLeft > 0) {
        flaky.failuresLeft--;
        return void res.writeHead(503).end('busy');
      }
      if (name === 'broken') return void res.writeHead(500).end('always broken');
      if (name === 'cut.bin' && !req.headers.range && req.method === 'GET') {
        // Sends half, then drops the connection: the next attempt resumes with a Range request.
        const body = files.get('big.bin')!;
        res.writeHead(200, { 'Content-Length': body.length });
        res.write(body.subarray(0, body.length / 2), () => setTimeout(() => res.destroy(), 50));
        return;
      }
      const body = files.get(name === 'cut.bin' ? 'big.bin' : name);
      if (!body) return void res.writeHead(404).end();
      return serveRange(req, res, body, name === 'cd' ? { 'Content-Disposition': 'attachment; filename="server-name.bin"' } : {});
    }
    res.writeHead(404).end();
  });
  const url = await listen(main, host, options.port ?? 0, publicHost);
  return {
    url,
    cdnUrl,
    hits,
    files,
    hfFiles,
    wheels,
    webhooks,
    manifest,
    flaky,
    close: async () => {
      await Promise.all([cdn, main].map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
    },
  };
}

/** A pure-Python wheel (`<name>-<version>-py3-none-any.whl`) with one module that records its version. */
export function buildWheel(dir: string, name: string, version: string): string {
  const file = join(dir, `${name}-${version}-py3-none-any.whl`);
  const script = `
import zipfile, hashlib, base64, sys
name, version, out = sys.argv[1:4]
files = {
  f"{name}/__init__.py": f"VERSION = '{version}'\\n",
  f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
  f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: standin\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for path, text in files.items():
    data = text.encode()
    z.writestr(path, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
  record.append(f"{name}-{version}.dist-info/RECORD,,")
  z.writestr(f"{name}-{version}.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  execFileSync('python3', ['-c', script, name, version, file]);
  return file;
}

/** A bare repository with two tagged commits (v1, v2): `file://<dir>`. Each commit writes VERSION. */
export function makeBareRepo(parent: string, name = 'app'): string {
  const work = mkdtempSync(join(tmpdir(), 'provisioner-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: work,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    });
  git('init', '-q', '-b', 'main');
  for (const v of ['v1', 'v2']) {
    writeFileSync(join(work, 'VERSION'), `${v}\n`);
    writeFileSync(join(work, 'requirements.txt'), '');
    git('add', '.');
    git('commit', '-qm', v);
    git('tag', v);
  }
  const bare = join(parent, `${name}.git`);
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  // So the same repository can be served as static files (git's dumb http protocol).
  execFileSync('git', ['update-server-info'], { cwd: bare });
  rmSync(work, { recursive: true, force: true });
  return `file://${bare}`;
}

/** A self-signed certificate for 127.0.0.1, for the manifest-over-https tests. */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** An https server on loopback that serves `text` at any path (the manifest), its CA trusted by this process. */
export async function httpsManifestServer(dir: string, answer: () => { status: number; text: string }) {
  const { key, cert } = selfSignedCertificate(dir);
  (https.globalAgent.options as { ca?: string }).ca = cert;
  const server = https.createServer({ key, cert }, (_req, res) => {
    const { status, text } = answer();
    res.writeHead(status).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/${basename(dir)}/manifest.yaml`,
    close: () => new Promise((r) => server.close(r)),
  };
}
