// A throwaway Docker registry for tests: Debian's docker-registry serving a temp folder on a free
// loopback port (dockerd trusts 127.0.0.0/8 as insecure, so plain HTTP works), optionally behind htpasswd (Basic)
// auth. Never the system service.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { freePort } from '@vast/portal/testing';
import { join } from 'node:path';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

export interface RegistryServer {
  /** `127.0.0.1:<port>` */
  host: string;
  storage: string;
  tags: (repository: string) => Promise<string[]>;
  catalog: () => Promise<string[]>;
  digest: (repository: string, tag: string) => Promise<string | null>;
  manifest: (repository: string, tag: string) => Promise<{ config: { digest: string } }>;
  /** Every stored file with size and mtime: a push that changes nothing leaves it identical. */
  snapshot: () => string[];
  stop: () => void;
}

/** A user the registry accepts (htpasswd auth); without one, the registry asks for no credentials. */
export interface RegistryUser {
  username: string;
  password: string;
}

/**
 * An htpasswd line for `user`: the registry accepts bcrypt only. perl's crypt() is libc's, which makes bcrypt from a
 * `$2b$` salt (Debian's libxcrypt), so no htpasswd tool or npm package is needed.
 */
function htpasswdLine({ username, password }: RegistryUser): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map((b) => alphabet[b % 64]).join('');
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$10$${salt}`], { encoding: 'utf8' });
  if (!hash.startsWith('$2b$')) throw new Error(`perl crypt() made no bcrypt hash (${hash}); this libc lacks bcrypt.`);
  return `${username}:${hash}\n`;
}

export async function startRegistry(dir: string, options: { user?: RegistryUser } = {}): Promise<RegistryServer> {
  if (!existsSync(REGISTRY_BIN))
    throw new Error(
      `${REGISTRY_BIN} is missing: apt-get install -y docker-registry (the test starts its own instance; the service can stay off).`,
    );
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const config = join(dir, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      'http:',
      `  addr: ${host}`,
      '  secret: release-e2e',
      ...(options.user ? ['auth:', '  htpasswd:', '    realm: release-e2e', `    path: ${join(dir, 'htpasswd')}`] : []),
      '',
    ].join('\n'),
  );
  if (options.user) writeFileSync(join(dir, 'htpasswd'), htpasswdLine(options.user));
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = (path: string) => `http://${host}/v2/${path}`;
  // The helpers below read the registry as its user when it has one.
  const authorization: Record<string, string> = options.user
    ? { authorization: `Basic ${Buffer.from(`${options.user.username}:${options.user.password}`).toString('base64')}` }
    : {};
  const fetch = (input: string, init: RequestInit = {}) =>
    globalThis.fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), ...authorization } });

  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${stderr}`);
    if (
      await fetch(url('')).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i === 100) {
      child.kill('SIGTERM');
      throw new Error(`docker-registry did not answer on ${host} within 10s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const snapshot = (at = storage, prefix = ''): string[] =>
    readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
      const path = join(at, entry.name);
      if (entry.isDirectory()) return snapshot(path, `${prefix}${entry.name}/`);
      const stat = statSync(path);
      return [`${prefix}${entry.name} ${stat.size} ${stat.mtimeMs}`];
    });

  return {
    host,
    storage,
    tags: async (repository) => {
      const response = await fetch(url(`${repository}/tags/list`));
      if (!response.ok) throw new Error(`GET /v2/${repository}/tags/list: ${response.status}`);
      const body = (await response.json()) as { name: string; tags: string[] | null };
      return [...(body.tags ?? [])].sort();
    },
    catalog: async () => ((await (await fetch(url('_catalog'))).json()) as { repositories: string[] }).repositories,
    digest: async (repository, tag) => {
      const response = await fetch(url(`${repository}/manifests/${tag}`), { method: 'HEAD', headers: { Accept: MANIFEST_V2 } });
      return response.ok ? response.headers.get('docker-content-digest') : null;
    },
    manifest: async (repository, tag) =>
      (await (await fetch(url(`${repository}/manifests/${tag}`), { headers: { Accept: MANIFEST_V2 } })).json()) as {
        config: { digest: string };
      },
    snapshot: () => snapshot(),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
