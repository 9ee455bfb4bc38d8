import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['src/**/*.spec.ts', '*.spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
