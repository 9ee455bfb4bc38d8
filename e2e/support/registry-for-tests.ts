// A spec file's own throwaway registry (registry-server.ts), with the vitest hooks that start and remove it. Apart from
// registry-server.ts because that one also serves the bench, which runs outside vitest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startRegistry, type RegistryServer, type RegistryUser } from './registry-server';

/**
 * For a spec file: a registry in its own temp folder, started before the file's tests and removed with the folder
 * after them. Call at the top level; the returned function gives the running registry (and its folder). With `user`, the
 * registry asks for that user's credentials (htpasswd).
 */
export function registryForTests(prefix: string, options: { user?: RegistryUser } = {}): () => RegistryServer & { dir: string } {
  let dir: string | undefined;
  let registry: RegistryServer | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    registry = await startRegistry(dir, options);
  });
  afterAll(() => {
    registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!registry || !dir) throw new Error('registryForTests: the registry starts in beforeAll; use it inside a test.');
    return Object.assign(registry, { dir });
  };
}
