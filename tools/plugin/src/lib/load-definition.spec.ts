// loadDefinitionModule reads an image.ts from disk the same way in every process: types stripped, @vast/conventions bound.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDefinitionModule } from './load-definition';

const dir = mkdtempSync(join(tmpdir(), 'vast-definition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('loadDefinitionModule', () => {
  it('returns the default export, with @vast/conventions bound', async () => {
    const image = file(
      'image.ts',
      "import { defineImage } from '@vast/conventions';\nconst n: number = 2;\nexport default defineImage({ name: 'x', n } as never);\n",
    );
    expect(await loadDefinitionModule(image)).toEqual({ name: 'x', n: 2 });
  });

  it('reads the file afresh on every call', async () => {
    const image = file('again.ts', 'export default 1;\n');
    expect(await loadDefinitionModule(image)).toBe(1);
    file('again.ts', 'export default 2;\n');
    expect(await loadDefinitionModule(image)).toBe(2);
  });

  it('bundles what it imports by a relative path, TypeScript included', async () => {
    file('ports.ts', 'export const jupyter: number = 8080;\n');
    const image = file('with-helper.ts', "import { jupyter } from './ports';\nexport default { port: jupyter };\n");
    expect(await loadDefinitionModule(image)).toEqual({ port: 8080 });
  });

  it('names the line and column of a syntax error', async () => {
    const image = file('bad.ts', 'const a = 1;\nexport default {{;\n');
    await expect(loadDefinitionModule(image)).rejects.toThrow(/^is not valid TypeScript \(line 2, column \d+\): /);
  });
});
