// The closing line of `npm test` (scripts/tally.mjs) counts what vitest 4 reports as a failed file, not only
// failed tests: real vitest runs deliberately broken specs in a temp folder, and the real tally reads its report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/scratch-workspace';

const SPECS: Record<string, string> = {
  'passes.spec.ts': [
    "import { expect, it } from 'vitest';",
    "it('passes', () => expect(1).toBe(1));",
    "it.skip('is skipped on purpose', () => expect(1).toBe(2));",
  ].join('\n'),
  'throwing-before-all.spec.ts': [
    "import { beforeAll, expect, it } from 'vitest';",
    "beforeAll(() => { throw new Error('the fixture could not be set up'); });",
    "it('never runs', () => expect(1).toBe(1));",
    "it('never runs either', () => expect(1).toBe(1));",
  ].join('\n'),
  'import-error.spec.ts': [
    "import { missing } from './no-such-module';",
    "import { expect, it } from 'vitest';",
    "it('cannot even be collected', () => expect(missing).toBe(1));",
  ].join('\n'),
  'throwing-after-all.spec.ts': [
    "import { afterAll, expect, it } from 'vitest';",
    "afterAll(() => { throw new Error('the fixture could not be torn down'); });",
    "it('passes before the hook breaks', () => expect(1).toBe(1));",
  ].join('\n'),
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vast-e2e-tally-'));
  for (const [name, text] of Object.entries(SPECS)) writeFileSync(join(dir, name), `${text}\n`);
  writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.spec.ts'] } };\n");
  mkdirSync(join(dir, 'test-output'));
});
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('scripts/tally.mjs', () => {
  it('counts a throwing beforeAll, an import error and a throwing afterAll as failed, not skipped or nothing', () => {
    const vitest = spawnSync(
      join(repoRoot, 'node_modules/.bin/vitest'),
      ['run', '--reporter=json', '--outputFile=test-output/vitest.json'],
      {
        cwd: dir,
        encoding: 'utf8',
        // Without this suite's own VITEST* variables, so the inner vitest runs as a fresh one.
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))), FORCE_COLOR: '0' },
      },
    );
    expect(vitest.status, vitest.stderr).toBe(1);

    const tally = spawnSync(process.execPath, [join(repoRoot, 'scripts/tally.mjs')], { cwd: dir, encoding: 'utf8' });
    expect(tally.status, tally.stderr).toBe(0);
    const closing = tally.stdout.trim().split('\n').pop();
    // passed: 'passes' and 'passes before the hook breaks'; failed: the two tests the beforeAll stopped, the file
    // that could not be imported, the file whose afterAll threw; skipped: only the deliberate it.skip.
    expect(closing).toBe('2 passed, 4 failed, 1 skipped');
  });
});
