// End-to-end suites: real Nx runs in scratch workspaces, real Docker builds and boots, a real registry and browser.
// One file at a time: they share one Docker engine and two cores.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Keep vitest's cache in the workspace's node_modules, not a new e2e/node_modules.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite/e2e', import.meta.url)),
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.spec.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 30 * 60_000,
    reporters: ['default'],
  },
});
