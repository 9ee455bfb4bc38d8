// The executor with utils/exec replaced by a small in-memory docker: the exact argv, the content-addressed skip, the
// parent check and the cache registry. Real builds against the engine are in e2e/base-image and e2e/generators.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '@nx/devkit';
import { renderImageManifest } from '@vast/conventions';
import { fakeDefinition, fakeFamily } from '@vast/conventions/testing';
import { FakeDocker, fakeExecutorContext, serveFakeRegistry, type FakeRegistryServer } from '../../utils/testing';
// vi.mock below is hoisted above this import, so the executor sees the fake docker.
import dockerBuild from './executor';

const calls: string[][] = [];
const engine = new FakeDocker();

vi.mock('../../utils/exec', async () =>
  (await import('../../utils/testing')).fakeExecModule((command, args) => {
    calls.push([command, ...args]);
    return engine.run(args);
  }),
);

let root: string;
// The cache registry a fresh runner asks over HTTP: a loopback server answering from the fake docker's pushes.
let cache: FakeRegistryServer;
beforeAll(async () => {
  cache = await serveFakeRegistry(engine);
});
afterAll(() => cache.close());
let output: string[];

const context = (projectName: string) => fakeExecutorContext(root, projectName);

beforeEach(() => {
  process.env.VAST_DOCKER = 'docker';
  delete process.env.NX_DRY_RUN;
  delete process.env.VAST_CACHE_REGISTRY;
  root = mkdtempSync(join(tmpdir(), 'docker-build-spec-'));
  // The assembled contexts of a base image and a derivative, as `build` writes them.
  const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'));
  for (const [name, image] of family) {
    mkdirSync(join(root, 'packages/images', name), { recursive: true });
    writeFileSync(join(root, 'packages/images', name, 'image.ts'), '');
    mkdirSync(join(root, 'dist/images', name), { recursive: true });
    writeFileSync(join(root, 'dist/images', name, 'image.json'), JSON.stringify(renderImageManifest(image, `context-of-${name}`)));
  }
  calls.length = 0;
  engine.images.clear();
  engine.registry.clear();
  // The production base's FROM, as Docker Hub would serve it.
  engine.registry.set('ubuntu:24.04', `sha256:${'1'.repeat(64)}`);
  engine.builds = 0;
  output = [];
  vi.spyOn(logger, 'log').mockImplementation((line: string) => void output.push(line));
  vi.spyOn(logger, 'error').mockImplementation((line: string) => void output.push(`error: ${line}`));
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

const buildResult = (name: string) => JSON.parse(readFileSync(join(root, 'dist/builds', name, 'build-result.json'), 'utf8'));

describe('docker-build executor', () => {
  it('prints the plan on --dry-run and runs no docker command', async () => {
    expect(await dockerBuild({ dryRun: true }, context('app'))).toEqual({ success: true });
    expect(calls).toEqual([]);
    expect(output).toHaveLength(2);
    expect(output[0]).toMatch(/^# dry run: no registry is asked/);
    expect(output[1]).toMatch(
      /^# app:stock \(production\) -> vastai\/app:build-[0-9a-f]{12}\ndocker build --file dist\/images\/app\/Dockerfile --tag vastai\/app:build-[0-9a-f]{12} --tag vastai\/app:1\.0\.0-stock --build-arg PARENT_IMAGE=vastai\/base-image:build-[0-9a-f]{12} --build-arg VAST_PROFILE=production --label io\.vast\.image=app --label io\.vast\.variant=stock dist\/images\/app$/,
    );
  });

  it('builds with the exact argv, tags the version, and records the build', async () => {
    const result = await dockerBuild({}, context('base'));
    expect(result, output.join('\n')).toEqual({ success: true });
    const build = calls.find((c) => c[1] === 'build')!;
    const tag = build[6];
    expect(build).toEqual([
      'docker',
      'build',
      '--progress=plain',
      '--file',
      'dist/images/base/Dockerfile',
      '--tag',
      tag,
      '--tag',
      'vastai/base-image:1.0.0-stock',
      '--build-arg',
      'BASE_IMAGE=ubuntu:24.04',
      '--build-arg',
      'VAST_PROFILE=production',
      '--label',
      'io.vast.image=base',
      '--label',
      'io.vast.variant=stock',
      'dist/images/base',
    ]);
    expect(buildResult('base')).toEqual({
      name: 'base',
      repository: 'vastai/base-image',
      version: '1.0.0',
      profile: 'production',
      variants: [{ key: 'stock', buildTag: tag, versionTag: 'vastai/base-image:1.0.0-stock', imageId: engine.images.get(tag) }],
    });
  });

  it('skips an unchanged build with one lookup of its FROM in the registry and one of its tags in the engine', async () => {
    await dockerBuild({}, context('base'));
    calls.length = 0;
    output.length = 0;
    expect(await dockerBuild({}, context('base'))).toEqual({ success: true });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual(['docker', 'manifest', 'inspect', '--insecure', '--verbose', 'ubuntu:24.04']);
    expect(calls[1].slice(0, 5)).toEqual(['docker', 'image', 'inspect', '--format', '{{.Id}} {{json .RepoTags}}']);
    expect(output[0]).toMatch(/^\[1\/1\] base:stock: up to date \(vastai\/base-image:build-[0-9a-f]{12} exists\), skipped$/);
  });

  it('rebuilds when the upstream tag it builds FROM now serves other content', async () => {
    await dockerBuild({}, context('base'));
    const before = buildResult('base').variants[0].buildTag;
    engine.registry.set('ubuntu:24.04', `sha256:${'2'.repeat(64)}`); // a new ubuntu:24.04 upstream
    output.length = 0;
    expect(await dockerBuild({}, context('base'))).toEqual({ success: true });
    const after = buildResult('base').variants[0].buildTag;
    expect(after).not.toBe(before);
    expect(output.join('\n')).toContain(`building ${after}`);
  });

  it('hashes an upstream its registry cannot be asked about by the engine copy, else by name, and says so', async () => {
    engine.registry.delete('ubuntu:24.04');
    expect(await dockerBuild({}, context('base'))).toEqual({ success: true });
    expect(output[0]).toBe(
      'base: warning: ubuntu:24.04: neither its registry nor the engine knows it, so only its name is in the content hash (an update to the tag will not rebuild)',
    );
    engine.images.set('ubuntu:24.04', `sha256:${'3'.repeat(64)}`);
    output.length = 0;
    expect(await dockerBuild({}, context('base'))).toEqual({ success: true });
    expect(output[0]).toBe(
      "base: warning: ubuntu:24.04: its registry did not answer, so the engine's copy (sha256:333333333333) stands for it in the content hash",
    );
    expect(output.join('\n')).toContain(': building ');
  });

  it('refuses to build a child whose parent is not built, naming the command that builds it', async () => {
    expect(await dockerBuild({}, context('app'))).toEqual({ success: false });
    expect(calls.some((c) => c[1] === 'build')).toBe(false);
    expect(output.join('\n')).toMatch(
      /app:stock builds FROM vastai\/base-image:build-[0-9a-f]{12} \(base:stock\), which is not built\. Run nx run base:docker-build/,
    );
    expect(existsSync(join(root, 'dist/builds/app/build-result.json'))).toBe(false);
  });

  it('finds a build another runner shared and leaves it in the registry: manifest lookups only, no pull, no build', async () => {
    await dockerBuild({ cacheRegistry: cache.host }, context('base'));
    const tag = buildResult('base').variants[0].buildTag;
    const id = engine.images.get(tag);
    expect([...engine.registry.keys()].filter((k) => k.startsWith(cache.host))).toEqual([`${cache.host}/${tag}`]);

    engine.images.clear(); // a fresh runner
    engine.builds = 0;
    calls.length = 0;
    cache.asked.length = 0;
    output.length = 0;
    expect(await dockerBuild({ cacheRegistry: cache.host }, context('base'))).toEqual({ success: true });
    expect(engine.builds).toBe(0);
    // Docker asks about the FROM image and the engine's tags; the cache registry is asked over HTTP, no process.
    expect(calls.map((c) => c[1])).toEqual(['manifest', 'image']);
    expect(cache.asked).toEqual([`${cache.host}/${tag}`]);
    expect(output).toEqual([
      `[1/1] base:stock: up to date in the cache registry (${cache.host}/${tag}), skipped; not pulled (smoke and docker-push pull it when they need it, --pull pulls it now)`,
    ]);
    expect(engine.images.has(tag)).toBe(false);
    expect(buildResult('base').variants).toEqual([
      { key: 'stock', buildTag: tag, versionTag: 'vastai/base-image:1.0.0-stock', imageId: id, cacheRef: `${cache.host}/${tag}` },
    ]);
  });

  it('asks through docker manifest inspect when the registry wants credentials only the docker CLI can give', async () => {
    await dockerBuild({ cacheRegistry: cache.host }, context('base'));
    const tag = buildResult('base').variants[0].buildTag;
    // The same registry, as seen through a door that refuses the HTTP client (credentials in a docker credential helper).
    const locked = await serveFakeRegistry(engine, { refuse: true });
    try {
      engine.registry.set(`${locked.host}/${tag}`, engine.images.get(tag) as string);
      engine.images.clear();
      engine.builds = 0;
      calls.length = 0;
      output.length = 0;
      expect(await dockerBuild({ cacheRegistry: locked.host }, context('base'))).toEqual({ success: true });
      expect(engine.builds).toBe(0);
      expect(calls.filter((c) => c[1] === 'manifest').map((c) => c.at(-1))).toEqual(['ubuntu:24.04', `${locked.host}/${tag}`]);
      expect(output[0]).toContain(`up to date in the cache registry (${locked.host}/${tag}), skipped`);
    } finally {
      await locked.close();
    }
  });

  it('with --pull, pulls a shared build under its build and version tags instead of building', async () => {
    await dockerBuild({ cacheRegistry: cache.host }, context('base'));
    const tag = buildResult('base').variants[0].buildTag;
    engine.images.clear();
    engine.builds = 0;
    output.length = 0;
    expect(await dockerBuild({ cacheRegistry: cache.host, pull: true }, context('base'))).toEqual({ success: true });
    expect(engine.builds).toBe(0);
    expect(output.join('\n')).toContain(`pulled ${cache.host}/${tag}`);
    expect(engine.images.has(tag)).toBe(true);
    expect(engine.images.get('vastai/base-image:1.0.0-stock')).toBe(engine.images.get(tag));
    expect(buildResult('base').variants[0].cacheRef).toBeUndefined();
  });

  it('pulls a parent left in the registry only when a changed child must build FROM it', async () => {
    await dockerBuild({ cacheRegistry: cache.host }, context('base'));
    const parentTag = buildResult('base').variants[0].buildTag;
    engine.images.clear();
    // The parent's own task: found in the registry, not pulled.
    await dockerBuild({ cacheRegistry: cache.host }, context('base'));
    expect(engine.images.has(parentTag)).toBe(false);
    calls.length = 0;
    expect(await dockerBuild({ cacheRegistry: cache.host }, context('app'))).toEqual({ success: true });
    const order = calls.map((c) => c[1]).filter((c) => c === 'pull' || c === 'build' || c === 'push');
    expect(order).toEqual(['pull', 'build', 'push']);
    expect(engine.images.has(parentTag)).toBe(true);
  });
});
