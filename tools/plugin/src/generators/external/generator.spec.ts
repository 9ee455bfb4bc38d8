import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import externalGenerator, { upstreamVariantKey } from './generator';
import { assembleFromTree, changedPaths, createImageTree, readText as read } from '../lib/testing';
import type { ExternalGeneratorSchema } from './schema';

async function generate(options: Partial<ExternalGeneratorSchema> = {}, tree = createImageTree()): Promise<Tree> {
  await externalGenerator(tree, { name: 'stand-in', upstream: 'example/stand-in:1.0', ...options });
  return tree;
}

describe('external generator', () => {
  it('grafts the upstream onto base-image stock, with --local an offline variant too', async () => {
    const tree = await generate({
      local: true,
      aptPackages: 'python3',
      description: 'A Debian stand-in.',
      command: 'python3 -m http.server 17860 --bind 127.0.0.1',
    });
    expect(read(tree, 'packages/images/stand-in/image.ts')).toMatchInlineSnapshot(`
      "// stand-in: example/stand-in:1.0 with the Vast runtime grafted on, serving 'Stand In'. Made by nx g @vast/plugin:external stand-in --upstream=example/stand-in:1.0; edit freely.
      import { defineImage } from '@vast/conventions';

      export default defineImage({
        name: 'stand-in',
        class: 'external',
        parent: 'base-image',
        description: 'A Debian stand-in.',
        repository: 'vastai/stand-in',
        steps: [
          {
            name: 'apt-packages',
            comment: 'Debian packages stand-in needs.',
            run: [
              'apt-get update',
              'apt-get install -y --no-install-recommends python3',
              'rm -rf /var/lib/apt/lists/*',
              'dpkg-query -W python3',
            ].join('\\n'),
          },
        ],
        services: [
          {
            name: 'stand-in',
            portalLabel: 'Stand In',
            portal: [{ label: 'Stand In', externalPort: 7860, internalPort: 17860 }],
            command: 'python3 -m http.server 17860 --bind 127.0.0.1',
          },
        ],
        defaultPortalConfig: true,
        variants: [
          { key: '1.0', parent: 'stock-ubuntu24.04-py312', upstream: 'example/stand-in:1.0' },
          { key: 'local', parent: 'local', local: true, upstream: 'example/stand-in:1.0' },
        ],
      });
      "
    `);
    expect((await assembleFromTree(tree, 'stand-in')).findings).toEqual([]);
  });

  it('sets PORTAL_CONFIG in its boot env script: the chain, then its own service', async () => {
    const { files } = await assembleFromTree(await generate({ description: 'd', command: 'c' }), 'stand-in');
    const script = files.find((f) => f.path === 'ROOT/etc/vast_boot.d/05-stand-in-env.sh')!;
    expect(script.content).toContain(
      'export PORTAL_CONFIG="${PORTAL_CONFIG:-localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:7860:17860:/:Stand In}"',
    );
    expect(files.find((f) => f.path === 'Dockerfile')!.content).toContain('FROM ${UPSTREAM_IMAGE}');
  });

  it('has only a production variant without --local', async () => {
    const text = read(await generate(), 'packages/images/stand-in/image.ts');
    expect(text).toContain("variants: [{ key: '1.0', parent: 'stock-ubuntu24.04-py312', upstream: 'example/stand-in:1.0' }],");
    expect(text).not.toContain('local: true');
  });

  it('is lint-clean except for one VL040 per marker', async () => {
    const { findings } = await assembleFromTree(await generate(), 'stand-in');
    expect(findings.map((f) => `${f.code} ${f.file}`)).toEqual(['VL040 Dockerfile', 'VL040 ROOT/opt/supervisor-scripts/stand-in.sh']);
  });

  it('names variants after the upstream tag or digest', () => {
    expect(upstreamVariantKey('vllm/vllm-openai:v0.13.0')).toBe('v0.13.0');
    expect(upstreamVariantKey('registry.example.com:5000/org/app:Latest_GPU')).toBe('latest_gpu');
    expect(upstreamVariantKey(`org/app@sha256:${'ab'.repeat(32)}`)).toBe('sha256-abababababab');
    expect(upstreamVariantKey('org/app:local')).toBe('upstream-local');
  });

  it('takes the shared service options (--label, --port)', async () => {
    const text = read(await generate({ label: 'Stand-in API', port: 8000 }), 'packages/images/stand-in/image.ts');
    expect(text).toContain("portal: [{ label: 'Stand-in API', externalPort: 8000, internalPort: 18000 }],");
  });

  it('does not overwrite an existing project', async () => {
    const tree = createImageTree();
    await expect(externalGenerator(tree, { name: 'ollama', upstream: 'ollama/ollama:0.18.0' })).rejects.toThrow(
      'packages/images/ollama already exists',
    );
    expect(changedPaths(tree)).toEqual([]);
  });

  describe('rejects bad input and writes nothing', () => {
    it.each<[string, Partial<ExternalGeneratorSchema>, string]>([
      ['an upstream without a tag', { upstream: 'org/image' }, "--upstream='org/image' is not an image reference with a tag or a digest"],
      ['an upstream with capitals', { upstream: 'Org/Image:1.0' }, "--upstream='Org/Image:1.0' is not an image reference"],
      ['a short digest', { upstream: 'org/image@sha256:abc' }, "--upstream='org/image@sha256:abc' is not an image reference"],
      ['no upstream at all', { upstream: undefined }, "--upstream='' is not an image reference"],
      ['a bad name', { name: '1app' }, "'1app' is not a valid image name"],
      ['a taken port', { port: 8080 }, "--port=8080 is taken: base-image's 'Jupyter' entry uses it"],
    ])('%s', async (_what, options, message) => {
      const tree = createImageTree();
      await expect(
        externalGenerator(tree, { name: 'stand-in', upstream: 'example/stand-in:1.0', ...options } as ExternalGeneratorSchema),
      ).rejects.toThrow(message);
      expect(changedPaths(tree)).toEqual([]);
    });
  });
});
