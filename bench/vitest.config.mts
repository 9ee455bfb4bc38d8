import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Only the bench's pure pieces (figures.spec.ts); the bench itself runs with `npm run bench`, never in npm test.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.spec.ts'],
    environment: 'node',
  },
});
