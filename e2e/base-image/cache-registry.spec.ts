// docker-build --cacheRegistry: a content-tagged build is shared through a real registry (Debian's docker-registry on
// loopback), and a runner that lacks the image pulls it instead of building it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../tools/plugin/src/utils/exec';
import { dockerCommand } from '../../tools/plugin/src/utils/docker';
import { buildLocalBaseImage, nx } from '../support/local-base-image';
import { startRegistry, type RegistryServer } from '../support/registry-server';

const docker = (...args: string[]) => run(dockerCommand(), args, { reject: false });
const imageIdOf = async (ref: string) => {
  const result = await docker('image', 'inspect', '--format', '{{.Id}}', ref);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
};

let dir: string;
let registry: RegistryServer;
let buildTag: string;

beforeAll(async () => {
  buildTag = await buildLocalBaseImage();
  dir = mkdtempSync(join(tmpdir(), 'vast-cache-registry-'));
  registry = await startRegistry(dir);
});
afterAll(() => {
  registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docker-build with a cache registry', () => {
  it('shares an existing build under its content tag', async () => {
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${registry.host}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`shared as ${registry.host}/${buildTag}`);
    expect(await registry.tags('vastai/base-image')).toEqual([buildTag.split(':')[1]]);
  });

  it('pulls it on a runner that does not have it, instead of building', async () => {
    const id = await imageIdOf(buildTag);
    expect(id).toBeDefined();
    // A fresh runner: neither the content tag nor the version tag is in its engine.
    const versionTag = buildTag.replace(/:build-[0-9a-f]+$/, ':1.0.0-local');
    await docker('image', 'rm', '--no-prune', buildTag, versionTag);
    expect(await imageIdOf(buildTag)).toBeUndefined();

    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', `--cacheRegistry=${registry.host}`]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`pulled ${registry.host}/${buildTag}`);
    expect(result.stdout).not.toMatch(/: building /);
    expect(await imageIdOf(buildTag)).toBe(id);
    expect(await imageIdOf(versionTag)).toBe(id);
  });

  it('still builds when the cache registry cannot be reached, with a warning rather than a failure', async () => {
    const result = await nx(['run', 'base-image:docker-build', '-c', 'local', '--cacheRegistry=127.0.0.1:1']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/up to date|warning: could not push/);
  });
});
