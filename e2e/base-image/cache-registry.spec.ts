// docker-build --cacheRegistry: a content-tagged build is shared through a real registry (Debian's docker-registry on
// loopback); a runner that lacks the image neither builds nor pulls it until something there needs its layers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, dockerCommand, imageId, buildResultFileOf, type BuildResult } from '@vast/plugin/testing';
import { buildLocalBaseImage, nx, repoRoot } from '../support/local-base-image';
import { registryForTests } from '../support/registry-for-tests';

const docker = (...args: string[]) => run(dockerCommand(), args, { reject: false });

let buildTag: string;
let versionTag: string;
let id: string;

/** A fresh runner: neither the content tag nor the version tag is in its engine. */
async function forget() {
  await docker('image', 'rm', '--no-prune', buildTag, versionTag);
  expect(await imageId(buildTag)).toBeUndefined();
}

beforeAll(async () => {
  buildTag = await buildLocalBaseImage();
  versionTag = buildTag.replace(/:build-[0-9a-f]+$/, ':1.0.0-local');
});
const cache = registryForTests('vast-cache-registry-');

describe('docker-build with a cache registry', () => {
  it('shares an existing build under its content tag', async () => {
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${cache().host}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`shared as ${cache().host}/${buildTag}`);
    expect(await cache().tags('vastai/base-image')).toEqual([buildTag.split(':')[1]]);
  });

  it('on a runner that does not have it, finds it in the registry and neither builds nor pulls it', async () => {
    id = (await imageId(buildTag)) as string;
    expect(id).toMatch(/^sha256:/);
    await forget();
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${cache().host}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`up to date in the cache registry (${cache().host}/${buildTag}), skipped; not pulled`);
    expect(result.stdout).not.toMatch(/: building |: pulled /);
    expect(await imageId(buildTag)).toBeUndefined();
    // What docker-push and smoke read: the registry's config digest is the image id the engine would have.
    const recorded = JSON.parse(readFileSync(join(repoRoot, buildResultFileOf('base-image')), 'utf8')) as BuildResult;
    expect(recorded.variants).toEqual([{ key: 'local', buildTag, versionTag, imageId: id, cacheRef: `${cache().host}/${buildTag}` }]);
  });

  it('docker-push pulls the build it left in the registry, then pushes the release tags of that same image', async () => {
    const result = await nx(['run', 'base-image:docker-push', '-c', 'local', `--registry=${cache().host}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`local: pulling ${cache().host}/${buildTag}`);
    expect(await imageId(buildTag)).toBe(id);
    expect(await imageId(versionTag)).toBe(id);
    expect(await cache().tags('vastai/base-image')).toEqual(
      expect.arrayContaining([buildTag.split(':')[1], '1.0.0-local', 'latest-local']),
    );
  });

  it('with --pull, a fresh runner pulls it into the engine instead of building', async () => {
    await forget();
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${cache().host}`, '--pull']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`pulled ${cache().host}/${buildTag}`);
    expect(result.stdout).not.toMatch(/: building /);
    expect(await imageId(buildTag)).toBe(id);
    expect(await imageId(versionTag)).toBe(id);
  });

  it('still builds when the cache registry cannot be reached, with a warning rather than a failure', async () => {
    // A runner without the image, so nothing is "up to date" and the only way to pass is to build.
    await forget();
    const unreachable = '127.0.0.1:1';
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${unreachable}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`: building ${buildTag}`);
    expect(result.stdout).toMatch(/: built in \d/);
    expect(result.stdout).toContain(`warning: could not push ${unreachable}/${buildTag} to the cache registry`);
    expect(result.stdout).not.toMatch(/up to date|: pulled /);
    const built = await imageId(buildTag);
    expect(built).toMatch(/^sha256:/);
    expect(await imageId(versionTag)).toBe(built);
    // The build record docker-push reads names the image this build made, and no cache copy of it.
    const recorded = JSON.parse(readFileSync(join(repoRoot, buildResultFileOf('base-image')), 'utf8')) as BuildResult;
    expect(recorded.variants).toEqual([{ key: 'local', buildTag, versionTag, imageId: built }]);
  });
});
