// The portal browser e2e: `npx vitest run --config e2e/portal/vitest.config.mts` (see portal.spec.ts for targets).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Keep vitest's cache in the workspace's node_modules rather than a new e2e/portal/node_modules.
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite/e2e-portal', import.meta.url)),
  test: {
    include: ['portal.spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One browser, one story: the tests run in order on the same page.
    sequence: { concurrent: false },
  },
});
