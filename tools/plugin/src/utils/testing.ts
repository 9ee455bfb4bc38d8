// Test helpers for executor specs: an ExecutorContext for a temp workspace, a stand-in for utils/exec that answers
// from an in-memory program while keeping run()'s contract (throw on a non-zero exit unless reject: false), and an
// in-memory docker for that program to be.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';
import type { RunOptions, RunResult } from './exec';

export { fakeExecutorContext } from './fake-executor-context';

/**
 * The module `vi.mock('…/utils/exec', () => fakeExecModule(handle))` installs. `handle` is called per command; keep
 * it a closure over the spec's state (vi.mock factories run before the spec's own top-level code).
 */
export function fakeExecModule(handle: (command: string, args: readonly string[]) => RunResult) {
  return {
    run: vi.fn(async (command: string, args: readonly string[], options: RunOptions = {}) => {
      const result = handle(command, args);
      if (result.exitCode !== 0 && options.reject !== false)
        throw new Error(`${command} ${args.join(' ')} exited with ${result.exitCode}:\n${result.stderr}`);
      return result;
    }),
    hasCommand: vi.fn(async () => true),
  };
}

/**
 * An in-memory docker engine and registry, answering the commands utils/docker and the executors run (argv as
 * utils/docker-commands builds it). Image ids are values by reference; each `build` makes a new id.
 */
export class FakeDocker {
  /** What the engine has: reference -> image id. */
  images = new Map<string, string>();
  /** What registries serve: full reference -> image id (= config digest). */
  registry = new Map<string, string>();
  /** Number of `docker build` runs. */
  builds = 0;
  /** A reference whose push fails (a registry error). */
  failPushOf: string | undefined;
  /** Every `docker build` fails (a broken Dockerfile step). */
  failBuilds = false;

  run(args: readonly string[]): RunResult {
    const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '' });
    const err = (stderr: string): RunResult => ({ exitCode: 1, stdout: '', stderr });
    const [a, b] = args;
    const ref = args[args.length - 1];
    if (a === 'version') return ok('20.10.24');
    if (a === 'image' && b === 'inspect') {
      // ['image', 'inspect', '--format', <format>, ...refs]: one line per image found; a missing one fails the call.
      const [format, ...refs] = args.slice(3);
      const found = refs.filter((r) => this.images.has(r));
      const out = found.map((r) => this.inspectLine(format, r)).join('\n');
      const missing = refs.find((r) => !this.images.has(r));
      return missing ? { exitCode: 1, stdout: out, stderr: `Error: No such image: ${missing}` } : ok(out);
    }
    if (a === 'build') {
      if (this.failBuilds) return err('ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1');
      const id = `sha256:${String(++this.builds).padStart(64, '0')}`;
      args.forEach((arg, i) => arg === '--tag' && this.images.set(args[i + 1], id));
      return ok();
    }
    if (a === 'tag') {
      this.images.set(args[2], this.images.get(args[1]) as string);
      return ok();
    }
    if (a === 'pull') {
      const id = this.registry.get(ref);
      if (!id) return err(`manifest unknown: ${ref}`);
      this.images.set(ref, id);
      return ok();
    }
    if (a === 'push') {
      if (ref === this.failPushOf) return err('received unexpected HTTP status: 500 Internal Server Error');
      this.registry.set(ref, this.images.get(ref) as string);
      return ok();
    }
    if (a === 'manifest') {
      const id = this.registry.get(ref);
      if (!id) return err(`no such manifest: ${ref}`);
      // `docker manifest inspect --verbose` of a single-platform image: the config digest is the image id, and the
      // manifest digest changes with it.
      return ok(
        JSON.stringify({
          Descriptor: { digest: `sha256:${id.slice(-8).padStart(64, 'd')}` },
          SchemaV2Manifest: { config: { digest: id } },
        }),
      );
    }
    if (a === 'image' && b === 'rm') {
      this.images.delete(ref);
      return ok();
    }
    return err(`fake docker: unexpected ${args.join(' ')}`);
  }

  private inspectLine(format: string, ref: string): string {
    const id = this.images.get(ref) as string;
    if (format === '{{.Id}} {{json .RepoTags}}')
      return `${id} ${JSON.stringify([...this.images].filter(([, other]) => other === id).map(([tag]) => tag))}`;
    if (format === '{{json .RepoDigests}}') return JSON.stringify([`${ref.slice(0, ref.lastIndexOf(':'))}@sha256:${'d'.repeat(64)}`]);
    return id;
  }
}

/** A FakeDocker's registry over HTTP, as the plugin's registry client asks it (docker-build's cache lookups). */
export interface FakeRegistryServer {
  /** `127.0.0.1:<port>`: the name pushes use, so what the fake docker pushes there is what this serves. */
  host: string;
  /** The references asked for, in order (`host/repository:tag`). */
  asked: string[];
  close(): Promise<void>;
}

/**
 * Serves the registry API's manifest GET on loopback from `engine.registry` (a real HTTP server, so the client's
 * requests, headers and status handling run for real): 200 with a single-image manifest whose config digest is the
 * image id, 404 for anything the fake registry does not hold; with `refuse`, 401 to everything.
 */
export async function serveFakeRegistry(engine: FakeDocker, { refuse = false } = {}): Promise<FakeRegistryServer> {
  const asked: string[] = [];
  let host = '';
  const server = createServer((req, res) => {
    // A registry whose credentials only a docker credential helper holds: every request is refused.
    if (refuse) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    if (!match) return void res.writeHead(req.url === '/v2/' ? 200 : 404).end('{}');
    const ref = `${host}/${match[1]}:${match[2]}`;
    asked.push(ref);
    const id = engine.registry.get(ref);
    if (!id) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
    res.writeHead(200, { 'content-type': mediaType, 'docker-content-digest': `sha256:${id.slice(-8).padStart(64, 'd')}` }).end(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: id },
        layers: [],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, asked, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
