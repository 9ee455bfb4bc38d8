import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import { installSetOf, LINT_RULES, lintContext, parseProvisioningManifestText } from '@vast/conventions';
import convertGenerator from './generator';
import provisioningGenerator from '../provisioning/generator';
import { assembleFromTree, changedPaths, createImageTree, readText as read } from '../lib/testing';
import { readTreeImages } from '../lib/tree-images';

const MANIFEST = 'packages/images/base-image/provisioning/my-app.yaml';
const IMAGE = 'packages/images/my-app';

/** A manifest as nx g @vast/plugin:provisioning --manifest writes it, then edited by hand with what it has no option for. */
async function manifestTree(): Promise<Tree> {
  const tree = createImageTree();
  await provisioningGenerator(tree, {
    name: 'my-app',
    from: 'base-image',
    manifest: true,
    description: 'My app: a Gradio demo.',
    aptPackages: 'ffmpeg, libgl1',
    pythonPackages: 'gradio==4.44.1',
    gitSource: 'https://github.com/org/my-app',
    gitRef: 'v1.2.0',
    command: 'python app.py --server-name 127.0.0.1 --server-port 17860',
    download: 'https://huggingface.co/org/model/resolve/main/w.safetensors|/workspace/models/',
  });
  tree.write(
    MANIFEST,
    read(tree, MANIFEST)
      .replace(
        '    dest: /workspace/my-app\n',
        '    dest: /workspace/my-app\n    post_commands: ["uv pip install --python /venv/main/bin/python -r requirements.txt"]\n',
      )
      .replace(
        'version: 1\n',
        'version: 1\non_failure: {max_retries: 2}\nwrite_files:\n  - {path: /workspace/my-app/config.json, content: "{}", permissions: "0600"}\n  - {path: /etc/my-app.conf, content: "x=1"}\nenv_merge: {MY_MODELS: downloads}\n',
      ) + 'post_commands: ["echo ready"]\n',
  );
  return tree;
}

/** The overlay files the converted image ships (absolute paths in the image, with modes), the residual manifest aside. */
function overlayOf(tree: Tree) {
  return tree
    .listChanges()
    .filter((c) => c.path.startsWith(`${IMAGE}/ROOT/`) && !c.path.endsWith('/ROOT/provisioning.yaml'))
    .map((c) => ({ path: c.path.slice(`${IMAGE}/ROOT`.length), mode: parseInt(c.options?.mode?.toString() ?? '644', 8) }));
}

describe('convert --manifest', () => {
  it('bakes what the manifest installs into a derivative image: the two install the same set', async () => {
    const tree = await manifestTree();
    await convertGenerator(tree, { name: 'my-app', manifest: MANIFEST });
    const parsed = parseProvisioningManifestText(read(tree, MANIFEST));
    if (!parsed.success) throw new Error(JSON.stringify(parsed.errors));
    const image = (await readTreeImages(tree)).images.get('my-app')!;
    const fromManifest = installSetOf({ kind: 'manifest', manifest: parsed.manifest });
    const fromImage = installSetOf({ kind: 'image', definition: image.definition, overlay: overlayOf(tree) });
    expect(fromImage).toEqual(fromManifest);
    // Not vacuous: every kind the manifest lists is there.
    expect(fromManifest).toEqual({
      apt: ['ffmpeg', 'libgl1'],
      pip: ['gradio==4.44.1'],
      git: ['https://github.com/org/my-app@v1.2.0 /opt/workspace-internal/my-app'],
      files: ['/etc/my-app.conf 644', '/opt/workspace-internal/my-app/config.json 600'],
      services: ['my-app'],
    });
  });

  it('the comparison sees an install the image lost: a package, a ref, a file', async () => {
    const tree = await manifestTree();
    await convertGenerator(tree, { name: 'my-app', manifest: MANIFEST });
    const parsed = parseProvisioningManifestText(read(tree, MANIFEST));
    if (!parsed.success) throw new Error(JSON.stringify(parsed.errors));
    const { definition } = (await readTreeImages(tree)).images.get('my-app')!;
    const expected = installSetOf({ kind: 'manifest', manifest: parsed.manifest });
    const edited = (edit: (run: string) => string) => ({
      ...definition,
      steps: definition.steps.map((step) => ({ ...step, run: edit(step.run) })),
    });
    const image = (def: typeof definition, overlay = overlayOf(tree)) => installSetOf({ kind: 'image', definition: def, overlay });
    expect(image(edited((run) => run.replace(' libgl1', '')))).not.toEqual(expected);
    expect(image(edited((run) => run.replace('checkout v1.2.0', 'checkout main')))).not.toEqual(expected);
    expect(image(definition, overlayOf(tree).slice(1))).not.toEqual(expected);
  });

  it('keeps what only a booted instance can do in a residual /provisioning.yaml, which lint passes', async () => {
    const tree = await manifestTree();
    await convertGenerator(tree, { name: 'my-app', manifest: MANIFEST });
    const residual = read(tree, `${IMAGE}/ROOT/provisioning.yaml`);
    const parsed = parseProvisioningManifestText(residual);
    expect(parsed.success && parsed.manifest).toMatchObject({
      on_failure: { max_retries: 2 },
      downloads: [{ url: 'https://huggingface.co/org/model/resolve/main/w.safetensors', dest: '/workspace/models/' }],
      env_merge: { MY_MODELS: 'downloads' },
      post_commands: ['echo ready'],
      apt_packages: [],
      git_repos: [],
      services: [],
    });
    const { files, findings } = await assembleFromTree(tree, 'my-app');
    const overlay = [{ path: 'ROOT/provisioning.yaml', content: residual, mode: 0o644 }];
    const context = {
      image: 'my-app',
      class: 'derivative' as const,
      source: `${IMAGE}/image.ts`,
      files: [...files, ...overlay],
      torchInParent: false,
      inheritedEnv: [],
    };
    expect(findings).toEqual([]);
    expect(
      lintContext(
        context,
        LINT_RULES.filter((r) => r.code === 'VL070'),
      ),
    ).toEqual([]);
  });

  it('writes the steps, the service with its portal entry, and production-only variants (PyPI and git are online)', async () => {
    const tree = await manifestTree();
    await convertGenerator(tree, { name: 'my-app', manifest: MANIFEST });
    expect(changedPaths(tree).filter((p) => p.includes(IMAGE))).toEqual([
      `CREATE ${IMAGE}/CHANGELOG.md`,
      `CREATE ${IMAGE}/README.md`,
      `CREATE ${IMAGE}/ROOT/etc/my-app.conf`,
      `CREATE ${IMAGE}/ROOT/opt/workspace-internal/my-app/config.json`,
      `CREATE ${IMAGE}/ROOT/provisioning.yaml`,
      `CREATE ${IMAGE}/image.ts`,
      `CREATE ${IMAGE}/package.json`,
    ]);
    const source = read(tree, `${IMAGE}/image.ts`);
    expect(source).toContain("parent: 'base-image',");
    expect(source).toContain("'git clone --recursive https://github.com/org/my-app /opt/workspace-internal/my-app',");
    expect(source).toContain("'(cd /opt/workspace-internal/my-app && uv pip install --python /venv/main/bin/python -r requirements.txt)',");
    expect(source).toContain("portal: [{ label: 'My App', externalPort: 7860, internalPort: 17860 }],");
    expect(source).not.toContain('local: true');
  });

  describe('refuses, and writes nothing', () => {
    it.each<[string, (tree: Tree) => void, Record<string, string>, string]>([
      ['a manifest that does not exist', () => {}, { manifest: 'nope.yaml' }, '--manifest: nope.yaml does not exist'],
      [
        'an invalid manifest, naming the key path',
        (tree) => tree.write(MANIFEST, read(tree, MANIFEST).replace('apt_packages', 'apt_pakages')),
        {},
        `${MANIFEST} is invalid:\n  apt_pakages: is not a key here`,
      ],
      [
        'a manifest with undecided markers',
        (tree) => tree.write(MANIFEST, read(tree, MANIFEST).replace('ref: v1.2.0', 'ref: "CHANGEME: a tag"')),
        {},
        'git_repos.0.ref still says CHANGEME',
      ],
      [
        'a manifest outside an image project without --parent',
        (tree) => tree.write('m.yaml', read(tree, MANIFEST)),
        { manifest: 'm.yaml' },
        '--parent: m.yaml is not in an image project',
      ],
    ])('%s', async (_what, edit, options, message) => {
      const tree = await manifestTree();
      edit(tree);
      await expect(convertGenerator(tree, { name: 'my-app', manifest: MANIFEST, ...options })).rejects.toThrow(message);
      expect(changedPaths(tree).filter((p) => p.startsWith(IMAGE))).toEqual([]);
    });
  });
});
