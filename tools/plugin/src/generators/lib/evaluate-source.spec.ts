import { describe, expect, it } from 'vitest';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { evaluateDefinitionFile } from './evaluate-source';

describe('evaluateDefinitionFile', () => {
  const tree = createTreeWithEmptyWorkspace();

  it('runs a definition held only in the tree, with @vast/conventions bound', () => {
    tree.write('x/image.ts', "import { defineImage } from '@vast/conventions';\nconst n: number = 2;\nexport default defineImage({ name: 'x', n } as never);\n");
    expect(evaluateDefinitionFile(tree, 'x/image.ts')).toEqual({ name: 'x', n: 2 });
  });

  it('names the file when the TypeScript does not parse', () => {
    tree.write('x/bad.ts', 'export default {{;\n');
    expect(() => evaluateDefinitionFile(tree, 'x/bad.ts')).toThrow(/^x\/bad\.ts: is not valid TypeScript: /);
  });

  it('names the file when the module throws', () => {
    tree.write('x/throws.ts', "throw new Error('boom');\n");
    expect(() => evaluateDefinitionFile(tree, 'x/throws.ts')).toThrow('x/throws.ts: failed to load: boom');
  });

  it('names a missing file', () => {
    expect(() => evaluateDefinitionFile(tree, 'x/none.ts')).toThrow('x/none.ts: does not exist.');
  });
});
