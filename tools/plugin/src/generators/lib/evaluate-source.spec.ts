import { describe, expect, it } from 'vitest';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { evaluateDefinitionFile } from './evaluate-source';

describe('evaluateDefinitionFile', () => {
  const tree = createTreeWithEmptyWorkspace();

  it('runs a definition held only in the tree, with @vast/conventions bound', async () => {
    tree.write(
      'x/image.ts',
      "import { defineImage } from '@vast/conventions';\nconst n: number = 2;\nexport default defineImage({ name: 'x', n } as never);\n",
    );
    expect(await evaluateDefinitionFile(tree, 'x/image.ts')).toEqual({ name: 'x', n: 2 });
  });

  it('names the file when the TypeScript does not parse', async () => {
    tree.write('x/bad.ts', 'export default {{;\n');
    await expect(evaluateDefinitionFile(tree, 'x/bad.ts')).rejects.toThrow(/^x\/bad\.ts: is not valid TypeScript \(line 1, column \d+\): /);
  });

  it('names the file when the module throws', async () => {
    tree.write('x/throws.ts', "throw new Error('boom');\n");
    await expect(evaluateDefinitionFile(tree, 'x/throws.ts')).rejects.toThrow('x/throws.ts: failed to load: boom');
  });

  it('bundles relative imports from the tree, as a build bundles them from disk (another image, a helper)', async () => {
    tree.write('packages/images/parent/image.ts', "export default { torch: '2.10.0' as string };\n");
    tree.write('packages/images/child/facts.ts', "export const python = '3.12';\n");
    tree.write(
      'packages/images/child/image.ts',
      "import parent from '../parent/image';\nimport { python } from './facts';\nexport default { torch: parent.torch, python };\n",
    );
    expect(await evaluateDefinitionFile(tree, 'packages/images/child/image.ts')).toEqual({ torch: '2.10.0', python: '3.12' });
  });

  it('names the file and the import it cannot resolve', async () => {
    tree.write('x/lost.ts', "import p from '../nowhere/image';\nexport default p;\n");
    await expect(evaluateDefinitionFile(tree, 'x/lost.ts')).rejects.toThrow(
      /^x\/lost\.ts: is not valid TypeScript.*Could not resolve "\.\.\/nowhere\/image"/,
    );
  });

  it('names a missing file', async () => {
    await expect(evaluateDefinitionFile(tree, 'x/none.ts')).rejects.toThrow('x/none.ts: does not exist.');
  });
});
