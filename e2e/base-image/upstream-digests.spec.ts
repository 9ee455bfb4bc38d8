// The content hash of a production build covers its FROM by what the registry serves for the tag now: against a real
// registry (Debian's docker-registry on loopback), re-pointing a tag changes the digests docker-build hashes, and a
// multi-platform manifest list gives one digest per platform.
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, dockerCommand, registryDigests } from '@vast/plugin/testing';
import { registryForTests } from '../support/registry-for-tests';

const registry = registryForTests('vast-upstream-digests-');
const docker = (...args: string[]) => run(dockerCommand(), args);

/** A one-file image, imported from a tarball (no base image needed), pushed to the test registry as `ref`. */
async function pushTinyImage(ref: string, content: string): Promise<void> {
  const { dir } = registry();
  const rootfs = join(dir, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs);
  writeFileSync(join(rootfs, 'content'), content);
  await run('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
  await docker('import', join(dir, 'rootfs.tar'), ref);
  await docker('push', ref);
  await docker('image', 'rm', ref);
}

describe('registryDigests (what a production FROM contributes to the content hash)', () => {
  it('changes when the tag is pointed at other content, and is stable while it is not', async () => {
    const ref = `${registry().host}/upstream/base:24.04`;
    await pushTinyImage(ref, 'first\n');
    const first = await registryDigests(ref);
    expect(first).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    expect(await registryDigests(ref)).toEqual(first);
    await pushTinyImage(ref, 'second\n');
    const second = await registryDigests(ref);
    expect(second).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    expect(second).not.toEqual(first);
  });

  it('gives one digest per platform of a manifest list', async () => {
    const a = `${registry().host}/upstream/multi:amd64`;
    const b = `${registry().host}/upstream/multi:arm64`;
    await pushTinyImage(a, 'amd64\n');
    await pushTinyImage(b, 'arm64\n');
    const list = `${registry().host}/upstream/multi:1`;
    await docker('manifest', 'create', '--insecure', list, a, b);
    await docker('manifest', 'annotate', '--arch', 'arm64', list, b);
    await docker('manifest', 'push', '--insecure', '--purge', list);
    const digests = await registryDigests(list);
    const [da, db] = [(await registryDigests(a))![0], (await registryDigests(b))![0]];
    expect(digests).toEqual([da, db].sort());
  });

  it('gives nothing for a tag the registry does not have', async () => {
    expect(await registryDigests(`${registry().host}/upstream/none:1`)).toBeUndefined();
  });
});
