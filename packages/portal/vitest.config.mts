// Lets @nx/vitest infer `nx run portal:test`. Specs that start Caddy or supervisord need more than the default 5 s.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Pinned so `npx vitest run --config packages/portal/vitest.config.mts` from the workspace root finds the specs too.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
