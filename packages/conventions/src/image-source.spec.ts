import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as conventions from './index';
import { applyMarkers, isUnfilled, renderImageSource, unfilledValue } from './image-source';
import { renderContextFiles } from './context';
import { resolveImageGraph } from './graph';
import { lintContext } from './lint';
import { parseImageDefinition, type ImageDefinitionInput } from './schema';
import { fakeDefinition } from './testing';

/** Evaluates an image.ts text the way a loader would, with @vast/conventions bound to this package. */
function evaluate(source: string): unknown {
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs' });
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string) => {
    if (id === '@vast/conventions') return conventions;
    throw new Error(`unexpected import ${id}`);
  };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports.default;
}

const hello: ImageDefinitionInput = {
  name: 'hello',
  class: 'derivative',
  parent: 'base',
  description: 'placeholder',
  repository: 'vastai/hello',
  steps: [
    {
      name: 'apt-packages',
      comment: 'Debian packages hello needs.',
      run: 'apt-get update\napt-get install -y --no-install-recommends python3\nrm -rf /var/lib/apt/lists/*',
    },
  ],
  services: [
    { name: 'hello', portalLabel: 'Hello', portal: [{ label: 'Hello', externalPort: 7860, internalPort: 17860 }], command: 'placeholder' },
  ],
  defaultPortalConfig: true,
  variants: [
    { key: 'stock', parent: 'stock' },
    { key: 'local', parent: 'local', local: true },
  ],
};
const markers = { description: 'what hello is, in one sentence', 'services.0.command': 'run hello in the foreground on 127.0.0.1:17860' };

describe('renderImageSource', () => {
  it('writes a readable image.ts with the markers in place', () => {
    expect(renderImageSource(hello, { markers, summary: 'hello: a derivative of base (nx g @vast/plugin:derivative).' }))
      .toMatchInlineSnapshot(`
      "// hello: a derivative of base (nx g @vast/plugin:derivative).
      import { defineImage } from '@vast/conventions';

      export default defineImage({
        name: 'hello',
        class: 'derivative',
        parent: 'base',
        description: 'CHANGEME: what hello is, in one sentence',
        repository: 'vastai/hello',
        steps: [
          {
            name: 'apt-packages',
            comment: 'Debian packages hello needs.',
            run: [
              'apt-get update',
              'apt-get install -y --no-install-recommends python3',
              'rm -rf /var/lib/apt/lists/*',
            ].join('\\n'),
          },
        ],
        services: [
          {
            name: 'hello',
            portalLabel: 'Hello',
            portal: [{ label: 'Hello', externalPort: 7860, internalPort: 17860 }],
            command: 'CHANGEME: run hello in the foreground on 127.0.0.1:17860',
          },
        ],
        defaultPortalConfig: true,
        variants: [{ key: 'stock', parent: 'stock' }, { key: 'local', parent: 'local', local: true }],
      });
      "
    `);
  });

  it('evaluates back to exactly the definition it was given (markers applied)', () => {
    const parsed = parseImageDefinition(evaluate(renderImageSource(hello, { markers })));
    expect(parsed).toEqual(parseImageDefinition(applyMarkers(hello, markers)));
    expect(parsed.success).toBe(true);
  });

  it('keeps awkward strings intact: quotes, backslashes, ${...}, tabs, unicode', () => {
    const tricky = 'it\'s "quoted" \\ back\\slash ${NOT_EXPANDED} `tick`\ttab é ✓';
    const input = {
      ...hello,
      description: tricky,
      services: [{ ...hello.services![0], command: `echo '${tricky}'\nexec server --flag="a b"` }],
    };
    const value = evaluate(renderImageSource(input)) as ImageDefinitionInput;
    expect(value.description).toBe(tricky);
    expect(value.services![0].command).toBe(input.services[0].command);
  });

  it('writes the fields in a fixed order, whatever order the input has', () => {
    const shuffled = Object.fromEntries(Object.entries(hello).reverse()) as ImageDefinitionInput;
    expect(renderImageSource(shuffled)).toBe(renderImageSource(hello));
  });

  it('refuses a marker on a field that is not a string', () => {
    expect(() => applyMarkers(hello, { 'services.0.portal.0.externalPort': 'a port' })).toThrow(/must lead to a string field/);
    expect(() => applyMarkers(hello, { 'services.3.command': 'x' })).toThrow(/'3' is not an object/);
  });

  it('marks values so lint can find them', () => {
    expect(unfilledValue('the port')).toBe('CHANGEME: the port');
    expect(isUnfilled(unfilledValue('x'))).toBe(true);
    expect(isUnfilled('Hello')).toBe(false);
  });

  it('leads lint to each marker and nothing else; filled in, the context is clean', () => {
    const lintOf = (input: ImageDefinitionInput) => {
      const parsed = parseImageDefinition(input);
      if (!parsed.success) throw new Error(JSON.stringify(parsed.errors));
      const { images, errors } = resolveImageGraph([
        { file: 'packages/images/base/image.ts', version: '1.0.0', definition: fakeDefinition('base') },
        { file: 'packages/images/hello/image.ts', version: '1.0.0', definition: parsed.definition },
      ]);
      expect(errors).toEqual([]);
      const files = renderContextFiles(images.get('hello')!);
      return {
        files,
        findings: lintContext({
          image: 'hello',
          class: 'derivative',
          source: 'packages/images/hello/image.ts',
          files,
          torchInParent: false,
          inheritedEnv: [],
        }),
      };
    };
    const { files, findings: marked } = lintOf(applyMarkers(hello, markers));
    const lineOf = (path: string, text: string) =>
      files
        .find((f) => f.path === path)!
        .content.split('\n')
        .findIndex((l) => l.includes(text)) + 1;
    const script = 'ROOT/opt/supervisor-scripts/hello.sh';
    expect(marked.map((f) => `${f.code} ${f.file}:${f.line}`)).toEqual([
      `VL040 Dockerfile:${lineOf('Dockerfile', 'description="CHANGEME: what hello is')}`,
      `VL040 ${script}:${lineOf(script, 'pty CHANGEME: run hello in the foreground')}`,
    ]);
    expect(marked.every((f) => f.message.includes('packages/images/hello/image.ts'))).toBe(true);
    expect(
      lintOf({ ...hello, description: 'Hello.', services: [{ ...hello.services![0], command: 'python3 -m http.server 17860' }] }).findings,
    ).toEqual([]);
  });
});
