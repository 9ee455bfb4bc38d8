// End-to-end suites: real Nx runs in scratch workspaces, real Docker builds and boots, a real registry and browser.
// One file at a time: they share one Docker engine and two cores.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Vitest's own order, with e2e/multi-arch/multi-arch.spec.ts last: it waits for the arm64 job scripts/test.sh starts
 * in the background, so every other suite runs while that job does.
 */
class ArmJobLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (f: TestSpecification) => f.moduleId.endsWith('/multi-arch/multi-arch.spec.ts');
    return [...sorted.filter((f) => !last(f)), ...sorted.filter(last)];
  }
}

export default defineConfig({
  // Keep vitest's cache in the workspace's node_modules, not a new e2e/node_modules.
  cacheDir: fileURLToPath(new URL('../node_modules/.vite/e2e', import.meta.url)),
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.spec.ts'],
    environment: 'node',
    fileParallelism: false,
    sequence: { sequencer: ArmJobLastSequencer },
    testTimeout: 20 * 60_000,
    hookTimeout: 30 * 60_000,
    reporters: ['default'],
  },
});
