// The executor with utils/exec replaced by a small in-memory docker: asserts the exact docker argv, the
// refusals (nothing is run, or nothing but lookups) and the stop-at-first-failure behaviour. The registry's version
// check goes to a small server on loopback. The real engine + registry run is in e2e/release.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '@nx/devkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDocker, fakeExecutorContext } from '../../utils/testing';
// vi.mock below is hoisted above this import, so the executor sees the fake docker.
import dockerPush from './executor';

const calls: string[][] = [];
const docker = new FakeDocker();
/** Set to answer every command as docker does when dockerd is not running. */
let engineDown = false;

vi.mock('../../utils/exec', async () =>
  (await import('../../utils/testing')).fakeExecModule((command, args) => {
    calls.push([command, ...args]);
    if (engineDown)
      return {
        exitCode: 1,
        stdout: '',
        stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      };
    return docker.run(args);
  }),
);

const imageId = `sha256:${'a'.repeat(64)}`;
const buildTag = 'vastai/base-image:build-0123456789ab';
let root: string;
let lines: string[];

const context = () => fakeExecutorContext(root, 'base-image');

function writeBuildResult(value: unknown) {
  writeFileSync(join(root, 'dist/builds/base-image/build-result.json'), JSON.stringify(value));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'release-push-spec-'));
  mkdirSync(join(root, 'packages/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/images/base-image'), { recursive: true });
  mkdirSync(join(root, 'dist/builds/base-image'), { recursive: true });
  writeFileSync(join(root, 'packages/images/base-image/package.json'), JSON.stringify({ name: '@vast/base-image', version: '1.1.0' }));
  writeFileSync(
    join(root, 'dist/images/base-image/image.json'),
    JSON.stringify({ name: 'base-image', repository: 'vastai/base-image', version: '1.1.0', variants: [{ key: 'local', local: true }] }),
  );
  writeBuildResult({
    name: 'base-image',
    repository: 'vastai/base-image',
    version: '1.1.0',
    variants: [{ key: 'local', buildTag, imageId }],
  });
  calls.length = 0;
  engineDown = false;
  docker.images = new Map([[buildTag, imageId]]);
  docker.registry = new Map();
  docker.failPushOf = undefined;
  lines = [];
  vi.spyOn(logger, 'info').mockImplementation((line: string) => void lines.push(`info: ${line}`));
  vi.spyOn(logger, 'error').mockImplementation((line: string) => void lines.push(`error: ${line}`));
  delete process.env.NX_DRY_RUN;
  delete process.env.VAST_REGISTRY;
  // Pin the CLI name the argv assertions expect (the default prefers /usr/bin/docker when it exists).
  process.env.VAST_DOCKER = 'docker';
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

// Answers the registry API's version check, which docker-push sends before anything else.
let registryServer: Server;
let HOST: string;
let R: string;
beforeAll(async () => {
  registryServer = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => registryServer.listen(0, '127.0.0.1', resolve));
  HOST = `127.0.0.1:${(registryServer.address() as AddressInfo).port}`;
  R = `${HOST}/vastai/base-image`;
});
afterAll(() => registryServer.close());

const STAGING = `staging-${'a'.repeat(64)}`;
const TAGS = ['1.1.0-local', '1.1-local', '1-local', 'latest-local'];
const manifestArgv = (tag: string) => ['docker', 'manifest', 'inspect', '--insecure', '--verbose', `${R}:${tag}`];

describe('docker-push executor', () => {
  it('checks the engine, the build and every reference first, then stages the content, pushes exact tag, aliases, untags', async () => {
    const result = await dockerPush({ registry: HOST, profile: 'local' }, context());
    expect(result.success, lines.join('\n')).toBe(true);
    const perTag = (tag: string) => [
      ['docker', 'tag', buildTag, `${R}:${tag}`],
      ['docker', 'push', `${R}:${tag}`],
      ['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', `${R}:${tag}`],
    ];
    expect(calls).toEqual([
      ['docker', 'version', '--format', '{{.Server.Version}}'],
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', buildTag],
      ...[STAGING, ...TAGS].map(manifestArgv),
      ...[STAGING, ...TAGS].flatMap(perTag),
      ...[STAGING, ...TAGS].map((t) => ['docker', 'image', 'rm', '--no-prune', `${R}:${t}`]),
    ]);
    expect([...docker.registry.keys()]).toEqual([STAGING, ...TAGS].map((t) => `${R}:${t}`));
    expect(lines.slice(-7)).toEqual([
      `info: docker-push base-image 1.1.0 -> ${HOST}`,
      `info:   staged     ${R}:${STAGING}  sha256:${'d'.repeat(64)}`,
      ...TAGS.map((t) => `info:   pushed     ${R}:${t}  sha256:${'d'.repeat(64)}`),
      'info: docker-push base-image: 4 pushed, 0 unchanged.',
    ]);
    const written = JSON.parse(readFileSync(join(root, 'dist/builds/base-image/push-result.json'), 'utf8'));
    expect(written).toMatchObject({ name: 'base-image', version: '1.1.0', registry: HOST, profile: 'local' });
    expect(written.pushed.map((p: { target: string }) => p.target)).toEqual([...docker.registry.keys()]);
  });

  it('reports unchanged and pushes nothing (not even content) when the registry already has the same image', async () => {
    for (const t of TAGS) docker.registry.set(`${R}:${t}`, imageId);
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(true);
    expect(calls.filter((c) => c[1] === 'push' || c[1] === 'tag')).toEqual([]);
    expect(docker.registry.has(`${R}:${STAGING}`)).toBe(false);
    expect(lines.at(-1)).toBe('info: docker-push base-image: 0 pushed, 4 unchanged.');
  });

  it('moves an alias that points at a different image', async () => {
    docker.registry.set(`${R}:latest-local`, `sha256:${'f'.repeat(64)}`);
    for (const t of ['1.1.0-local', '1.1-local', '1-local']) docker.registry.set(`${R}:${t}`, imageId);
    await dockerPush({ registry: HOST }, context());
    expect(calls.filter((c) => c[1] === 'push')).toEqual([
      ['docker', 'push', `${R}:${STAGING}`],
      ['docker', 'push', `${R}:latest-local`],
    ]);
    expect(docker.registry.get(`${R}:latest-local`)).toBe(imageId);
  });

  it('refuses, before anything is tagged or pushed, an exact tag that names a different image', async () => {
    const other = `sha256:${'f'.repeat(64)}`;
    docker.registry.set(`${R}:1.1.0-local`, other);
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(false);
    expect(calls.filter((c) => c[1] === 'push' || c[1] === 'tag')).toEqual([]);
    expect(docker.registry.get(`${R}:1.1.0-local`)).toBe(other);
    expect(lines).toEqual([
      ...[STAGING, ...TAGS].map((t) => `info: [check ${[STAGING, ...TAGS].indexOf(t) + 1}/5] ${R}:${t}`),
      'error: docker-push base-image: refusing to push anything:',
      `error: ${R}:1.1.0-local: the exact version tag already names manifest sha256:${'f'.repeat(8).padStart(64, 'd')} of image ${other}; this build is image ${imageId}. An exact version tag names one image forever, so it is not overwritten. Release this build under a new version (npx changeset, then npm run release), or, if the registry's image is the wrong one, delete that tag in the registry first.`,
    ]);
  });

  it('stops at the first failed push, pushes nothing more, names what was published and what not', async () => {
    docker.failPushOf = `${R}:1.1-local`;
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(false);
    expect(calls.filter((c) => c[1] === 'push').map((c) => c[2])).toEqual([`${R}:${STAGING}`, `${R}:1.1.0-local`, `${R}:1.1-local`]);
    expect([...docker.registry.keys()]).toEqual([`${R}:${STAGING}`, `${R}:1.1.0-local`]);
    expect(lines).toContain(`error:   pushed     ${R}:1.1.0-local  sha256:${'d'.repeat(64)}`);
    expect(lines).toContain(`error:   FAILED     ${R}:1.1-local`);
    expect(lines).toContain(`error:   not pushed ${R}:1-local`);
    expect(lines).toContain(`error:   not pushed ${R}:latest-local`);
    expect(lines.at(-1)).toBe(
      `error: docker-push base-image: stopped after 1 release tags were published (1 pushed, 0 unchanged); 3 not published, listed above. Every published tag names this build. Fix the error and run nx run base-image:docker-push --registry=${HOST} again: it keeps what is there and writes the rest.`,
    );

    // The re-run keeps what is there and writes the rest.
    docker.failPushOf = undefined;
    calls.length = 0;
    expect((await dockerPush({ registry: HOST }, context())).success).toBe(true);
    expect(calls.filter((c) => c[1] === 'push').map((c) => c[2])).toEqual([`${R}:1.1-local`, `${R}:1-local`, `${R}:latest-local`]);
    expect(lines.at(-1)).toBe('info: docker-push base-image: 3 pushed, 1 unchanged.');
  });

  it('a failure while the content moves leaves no release tag and says so', async () => {
    docker.failPushOf = `${R}:${STAGING}`;
    expect((await dockerPush({ registry: HOST }, context())).success).toBe(false);
    expect([...docker.registry.keys()]).toEqual([]);
    expect(lines.at(-1)).toBe(
      `error: docker-push base-image: stopped before any release tag was written: the registry has no tag of 1.1.0 (4 not published). Fix the error and run nx run base-image:docker-push --registry=${HOST} again.`,
    );
  });

  it('refuses when no Docker engine answers, before anything else', async () => {
    engineDown = true;
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(false);
    expect(calls).toEqual([['docker', 'version', '--format', '{{.Server.Version}}']]);
    expect(lines).toEqual([
      'error: docker-push base-image: refusing to push anything:',
      'error: docker: no Docker engine answers (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?). Start dockerd: dockerd >/var/log/dockerd.log 2>&1 & (or systemctl start docker), then run again.',
    ]);
  });

  it('refuses without running docker when build-result.json is missing', async () => {
    rmSync(join(root, 'dist/builds/base-image/build-result.json'));
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(false);
    expect(calls).toEqual([]);
    expect(lines).toEqual([
      'error: docker-push base-image: refusing to push anything:',
      'error: dist/builds/base-image/build-result.json: not found. docker-push only pushes images docker-build finished building (it writes this file after the last variant). Run nx run base-image:docker-build first.',
    ]);
  });

  it('refuses a stale or incomplete build-result.json without running docker', async () => {
    writeBuildResult({ name: 'base-image', repository: 'vastai/base-image', version: '1.0.0', variants: [{ key: 'local', buildTag }] });
    const result = await dockerPush({ registry: HOST, profile: 'local' }, context());
    expect(result.success).toBe(false);
    expect(calls).toEqual([]);
    expect(lines.join('\n')).toMatch(/version: the build is of 1.0.0, but packages\/images\/base-image\/package.json now says 1.1.0/);
    expect(lines.join('\n')).toMatch(/variants.0.imageId: is missing/);
  });

  it('refuses when the built image is gone from the engine or was replaced', async () => {
    docker.images.set(buildTag, `sha256:${'b'.repeat(64)}`);
    const result = await dockerPush({ registry: HOST }, context());
    expect(result.success).toBe(false);
    expect(calls).toEqual([
      ['docker', 'version', '--format', '{{.Server.Version}}'],
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', buildTag],
    ]);
    expect(lines.join('\n')).toMatch(/vastai\/base-image:build-0123456789ab is now sha256:b+, not the built sha256:a+/);
  });

  it('first pulls a variant docker-build left in the cache registry, then checks and pushes it', async () => {
    const cacheRef = `cache.example:5000/${buildTag}`;
    writeBuildResult({
      name: 'base-image',
      repository: 'vastai/base-image',
      version: '1.1.0',
      variants: [{ key: 'local', buildTag, versionTag: 'vastai/base-image:1.1.0-local', imageId, cacheRef }],
    });
    docker.images = new Map();
    docker.registry = new Map([[cacheRef, imageId]]);
    const result = await dockerPush({ registry: HOST, profile: 'local' }, context());
    expect(result.success, lines.join('\n')).toBe(true);
    expect(calls.slice(0, 7)).toEqual([
      ['docker', 'version', '--format', '{{.Server.Version}}'],
      ['docker', 'image', 'inspect', '--format', '{{.Id}} {{json .RepoTags}}', buildTag],
      ['docker', 'pull', '--quiet', cacheRef],
      ['docker', 'tag', cacheRef, buildTag],
      ['docker', 'image', 'rm', '--no-prune', cacheRef],
      ['docker', 'tag', buildTag, 'vastai/base-image:1.1.0-local'],
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', buildTag],
    ]);
    expect(lines).toContain(`info: local: pulling ${cacheRef} (docker-build found it in the cache registry and left it there)`);
    expect(docker.registry.get(`${R}:1.1.0-local`)).toBe(imageId);
  });

  it('needs a registry, from the option or VAST_REGISTRY', async () => {
    expect((await dockerPush({}, context())).success).toBe(false);
    expect(lines).toEqual([
      'error: docker-push base-image: no registry to push to. Pass --registry=<host[:port]> (e.g. 127.0.0.1:5000 or docker.io) or set VAST_REGISTRY.',
    ]);
    process.env.VAST_REGISTRY = 'registry.example';
    process.env.NX_DRY_RUN = 'true';
    expect((await dockerPush({}, context())).success).toBe(true);
    expect(lines).toContain('info:   would push registry.example/vastai/base-image:latest-local <- vastai/base-image:build-0123456789ab');
    expect(lines).toContain(`info:   would stage registry.example/vastai/base-image:${STAGING} <- vastai/base-image:build-0123456789ab`);
  });

  it('--dry-run lists the tags and runs no docker command; before a build it plans from image.json', async () => {
    rmSync(join(root, 'dist/builds/base-image/build-result.json'));
    const result = await dockerPush({ registry: 'docker.io', dryRun: true, profile: 'local' }, context());
    expect(result.success).toBe(true);
    expect(calls).toEqual([]);
    expect(lines).toEqual([
      'info: docker-push base-image 1.1.0 -> docker.io (dry run: nothing is tagged or pushed)',
      'info:   note: dist/builds/base-image/build-result.json does not exist yet, so these tags come from dist/images/base-image/image.json; a real push refuses until docker-build has finished.',
      'info:   would stage docker.io/vastai/base-image:staging-<image id> <- (not built: local)',
      'info:   would push docker.io/vastai/base-image:1.1.0-local <- (not built: local)',
      'info:   would push docker.io/vastai/base-image:1.1-local <- (not built: local)',
      'info:   would push docker.io/vastai/base-image:1-local <- (not built: local)',
      'info:   would push docker.io/vastai/base-image:latest-local <- (not built: local)',
      'info: docker-push base-image: 4 tags planned.',
    ]);
  });

  it("--upstreamTags adds upstream's dated names of the day given, after the semver tags; a bad date is refused", async () => {
    writeFileSync(
      join(root, 'dist/images/base-image/image.json'),
      JSON.stringify({
        name: 'base-image',
        class: 'base',
        repository: 'vastai/base-image',
        version: '1.1.0',
        variants: [{ key: 'local', local: true, from: 'vast-local/bookworm:latest', python: '3.11', args: {} }],
      }),
    );
    const result = await dockerPush({ registry: 'docker.io', dryRun: true, upstreamTags: true, date: '2026-08-21' }, context());
    expect(result.success).toBe(true);
    expect(lines.slice(-3)).toEqual([
      'info:   would push docker.io/vastai/base-image:local-py311-2026-08-21 <- vastai/base-image:build-0123456789ab',
      'info:   would push docker.io/vastai/base-image:local-2026-08-21 <- vastai/base-image:build-0123456789ab',
      'info: docker-push base-image: 6 tags planned.',
    ]);
    lines.length = 0;
    expect((await dockerPush({ registry: 'docker.io', dryRun: true, upstreamTags: true, date: '20260821' }, context())).success).toBe(
      false,
    );
    expect(lines).toEqual(["error: docker-push base-image: --date '20260821' is not a UTC day. Pass YYYY-MM-DD (date -u +%Y-%m-%d)."]);
  });

  it('--promoteFrom plans the release tags from the staged content tag, with no content tag of its own (dry run)', async () => {
    const result = await dockerPush({ registry: 'docker.io', dryRun: true, promoteFrom: 'docker.io/staging' }, context());
    expect(result.success).toBe(true);
    expect(calls).toEqual([]);
    expect(lines.filter((l) => l.includes('would'))).toEqual(
      ['1.1.0-local', '1.1-local', '1-local', 'latest-local'].map(
        (tag) => `info:   would push docker.io/vastai/base-image:${tag} <- docker.io/staging/vastai/base-image:staging-${'a'.repeat(64)}`,
      ),
    );
  });
  it("--namespace stages in upstream's staging namespace, and --promoteFromNamespace promotes from it (dry runs)", async () => {
    const staged = await dockerPush({ registry: 'docker.io', dryRun: true, namespace: 'vastaistaging' }, context());
    expect(staged.success).toBe(true);
    expect(lines.filter((l) => l.includes('would'))).toEqual([
      `info:   would stage docker.io/vastaistaging/base-image:staging-${'a'.repeat(64)} <- ${buildTag}`,
      ...['1.1.0-local', '1.1-local', '1-local', 'latest-local'].map(
        (tag) => `info:   would push docker.io/vastaistaging/base-image:${tag} <- ${buildTag}`,
      ),
    ]);
    lines.length = 0;
    const promoted = await dockerPush(
      { registry: 'docker.io', dryRun: true, promoteFrom: 'docker.io', promoteFromNamespace: 'vastaistaging' },
      context(),
    );
    expect(promoted.success).toBe(true);
    expect(calls).toEqual([]);
    expect(lines.filter((l) => l.includes('would'))).toEqual(
      ['1.1.0-local', '1.1-local', '1-local', 'latest-local'].map(
        (tag) => `info:   would push docker.io/vastai/base-image:${tag} <- docker.io/vastaistaging/base-image:staging-${'a'.repeat(64)}`,
      ),
    );
  });

  it('refuses a namespace with a registry in it, and --promoteFromNamespace without --promoteFrom', async () => {
    expect((await dockerPush({ registry: 'docker.io', dryRun: true, namespace: 'docker.io/vastaistaging' }, context())).success).toBe(
      false,
    );
    expect((await dockerPush({ registry: 'docker.io', dryRun: true, promoteFromNamespace: 'vastaistaging' }, context())).success).toBe(
      false,
    );
    expect(lines).toEqual([
      "error: docker-push base-image: --namespace: 'docker.io/vastaistaging' is not a namespace: one path component of lowercase letters and digits, joined by '.', '_', '__' or '-' (e.g. vastaistaging). Pass the namespace alone, without the registry.",
      "error: docker-push base-image: --promoteFromNamespace says where --promoteFrom's content is staged; pass --promoteFrom=<staging registry> with it.",
    ]);
    expect(calls).toEqual([]);
  });
});
