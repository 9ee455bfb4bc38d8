import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import { embeddedServiceFiles } from '@vast/conventions';
import convertGenerator from './generator';
import provisioningGenerator from '../provisioning/generator';
import derivativeGenerator from '../derivative/generator';
import { assembleFromTree, changedPaths, createImageTree, readText as read } from '../lib/testing';

const TEMPLATE = 'packages/provisioning/my-app';

async function template(from = 'base-image', extra: Record<string, unknown> = {}): Promise<Tree> {
  const tree = createImageTree();
  await provisioningGenerator(tree, {
    name: 'my-app',
    from,
    description: 'My app: a Gradio demo.',
    aptPackages: 'python3',
    pythonPackages: 'gradio==4.44.1',
    gitSource: 'https://github.com/org/my-app',
    gitRef: 'v1.2.0',
    command: '. /venv/main/bin/activate\npython app.py --server-name 127.0.0.1 --server-port 17860',
    ...extra,
  });
  return tree;
}

describe('convert generator', () => {
  it('turns the template into a derivative of its image with the image form of the same installs', async () => {
    const tree = await template();
    await convertGenerator(tree, { name: 'my-app' });
    expect(changedPaths(tree).filter((p) => p.includes('packages/images/'))).toEqual([
      'CREATE packages/images/my-app/CHANGELOG.md',
      'CREATE packages/images/my-app/README.md',
      'CREATE packages/images/my-app/image.ts',
      'CREATE packages/images/my-app/package.json',
    ]);
    expect(read(tree, 'packages/images/my-app/image.ts')).toMatchInlineSnapshot(`
      "// my-app: My app: a Gradio demo. Converted from packages/provisioning/my-app/provisioning.ts by nx g @vast/plugin:convert my-app; edit freely.
      import { defineImage } from '@vast/conventions';

      export default defineImage({
        name: 'my-app',
        class: 'derivative',
        parent: 'base-image',
        description: 'My app: a Gradio demo.',
        repository: 'vastai/my-app',
        args: { MY_APP_REF: 'v1.2.0' },
        steps: [
          {
            name: 'apt-packages',
            comment: 'Debian packages my-app needs.',
            run: [
              'apt-get update',
              'apt-get install -y --no-install-recommends python3',
              'rm -rf /var/lib/apt/lists/*',
              'dpkg-query -W python3',
            ].join('\\n'),
          },
          {
            name: 'source',
            comment: 'my-app from https://github.com/org/my-app at \${MY_APP_REF}, into /opt/workspace-internal (boot copies it to the workspace). The local profile (Debian packages only, no network beyond them) skips it.',
            profile: 'production',
            run: [
              'git clone https://github.com/org/my-app /opt/workspace-internal/my-app',
              'git -C /opt/workspace-internal/my-app checkout "\${MY_APP_REF}"',
              "git -C /opt/workspace-internal/my-app log -1 --format='my-app at %H'",
            ].join('\\n'),
          },
          {
            name: 'python-packages',
            comment: 'Python packages my-app needs, into /venv/main. The local profile (Debian packages only, no network beyond them) skips it.',
            profile: 'production',
            run: [
              'uv pip install --no-cache-dir gradio==4.44.1',
              'uv pip show gradio',
            ].join('\\n'),
          },
        ],
        services: [
          {
            name: 'my-app',
            portalLabel: 'My App',
            portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }],
            workdir: '/workspace/my-app',
            command: [
              '. /venv/main/bin/activate',
              'python app.py --server-name 127.0.0.1 --server-port 17860',
            ].join('\\n'),
          },
        ],
        defaultPortalConfig: true,
        variants: [
          { key: 'stock-ubuntu22.04-py310', parent: 'stock-ubuntu22.04-py310' },
          { key: 'stock-ubuntu24.04-py312', parent: 'stock-ubuntu24.04-py312' },
          { key: 'cuda-11.8.0-cudnn8-devel-ubuntu22.04-py310', parent: 'cuda-11.8.0-cudnn8-devel-ubuntu22.04-py310' },
          { key: 'cuda-12.1.1-cudnn8-devel-ubuntu22.04-py310', parent: 'cuda-12.1.1-cudnn8-devel-ubuntu22.04-py310' },
          { key: 'cuda-12.4.1-cudnn-devel-ubuntu22.04-py310', parent: 'cuda-12.4.1-cudnn-devel-ubuntu22.04-py310' },
          { key: 'cuda-12.6.3-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-12.6.3-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-12.8.1-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-12.8.1-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-12.9.2-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-13.0.3-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-13.0.3-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-13.1.2-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-13.1.2-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-13.2.1-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-13.2.1-cudnn-devel-ubuntu24.04-py312' },
          { key: 'cuda-13.3.1-cudnn-devel-ubuntu24.04-py312', parent: 'cuda-13.3.1-cudnn-devel-ubuntu24.04-py312' },
        ],
      });
      "
    `);
    expect((await assembleFromTree(tree, 'my-app')).findings).toEqual([]);
  });

  it.each(['base-image', 'pytorch'])(
    'on %s: provision.sh and the converted image start the same supervisor program with the same launch script',
    async (from) => {
      const tree = await template(from);
      await convertGenerator(tree, { name: 'my-app' });
      const embedded = embeddedServiceFiles(read(tree, `${TEMPLATE}/provision.sh`));
      const context = new Map((await assembleFromTree(tree, 'my-app')).files.map((f) => [f.path.replace(/^ROOT/, ''), f.content]));
      expect([...embedded.keys()].sort()).toEqual(['/etc/supervisor/conf.d/my-app.conf', '/opt/supervisor-scripts/my-app.sh']);
      // Only the generated-file header differs: each names the file it was rendered from.
      const unsourced = (text: string) =>
        text.replace(/Generated by @vast\/conventions from \S+/, 'Generated by @vast/conventions from <source>');
      for (const [path, content] of embedded) {
        expect(unsourced(content), path).toBe(unsourced(context.get(path) ?? '(missing from the image context)'));
        expect(content).toContain(`${TEMPLATE}/provisioning.ts`);
        expect(context.get(path)).toContain('packages/images/my-app/image.ts');
      }
    },
  );

  it('--repository: where the image tags go', async () => {
    const tree = await template();
    await convertGenerator(tree, { name: 'my-app', repository: 'example/my-app' });
    expect(read(tree, 'packages/images/my-app/image.ts')).toContain("repository: 'example/my-app',");
  });

  describe('refuses a template that is not ready, and writes nothing', () => {
    const images = (tree: Tree) => changedPaths(tree).filter((p) => p.includes('packages/images/'));

    it('a template that does not exist', async () => {
      const tree = createImageTree();
      await expect(convertGenerator(tree, { name: 'my-app' })).rejects.toThrow(
        `${TEMPLATE}/provisioning.ts does not exist. Create the template with: nx g @vast/plugin:provisioning my-app`,
      );
      expect(changedPaths(tree)).toEqual([]);
    });

    it('a template with undecided markers', async () => {
      const tree = await template('base-image', { command: undefined, description: undefined });
      await expect(convertGenerator(tree, { name: 'my-app' })).rejects.toThrow(
        `${TEMPLATE}/provisioning.ts: description still says CHANGEME`,
      );
      expect(images(tree)).toEqual([]);
    });

    it('a provision.sh that provisioning.ts no longer renders', async () => {
      const tree = await template();
      tree.write(`${TEMPLATE}/provision.sh`, read(tree, `${TEMPLATE}/provision.sh`) + 'echo hand edit\n');
      await expect(convertGenerator(tree, { name: 'my-app' })).rejects.toThrow(
        `${TEMPLATE}/provision.sh is not what ${TEMPLATE}/provisioning.ts renders. Run nx g @vast/plugin:provisioning my-app --refresh`,
      );
      expect(images(tree)).toEqual([]);
    });

    it('a name an image project already has', async () => {
      const tree = await template();
      await derivativeGenerator(tree, { name: 'my-app', description: 'Made by hand meanwhile.', command: 'true' });
      const before = read(tree, 'packages/images/my-app/image.ts');
      await expect(convertGenerator(tree, { name: 'my-app' })).rejects.toThrow(
        'packages/images/my-app already exists; the generator never overwrites a project',
      );
      expect(read(tree, 'packages/images/my-app/image.ts')).toBe(before);
    });

    it('a bad repository', async () => {
      const tree = await template();
      await expect(convertGenerator(tree, { name: 'my-app', repository: 'Bad Repo' })).rejects.toThrow(
        "--repository='Bad Repo' must be a lowercase repository path",
      );
      expect(images(tree)).toEqual([]);
    });
  });
});
