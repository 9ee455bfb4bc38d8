import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import { LINT_RULES, lintContext, parseProvisioningManifestText } from '@vast/conventions';
import provisioningGenerator from './generator';
import { changedPaths, createImageTree, readText as read } from '../lib/testing';
import type { ProvisioningGeneratorSchema } from './schema';

const FILE = 'packages/images/pytorch/provisioning/my-app.yaml';

async function generate(options: Partial<ProvisioningGeneratorSchema> = {}, tree = createImageTree()): Promise<Tree> {
  await provisioningGenerator(tree, { name: 'my-app', from: 'pytorch', manifest: true, ...options });
  return tree;
}

/** VL070 and VL040 over the manifest as the lint target reads it (a file the project holds). */
function lint(tree: Tree, file = FILE) {
  return lintContext(
    {
      image: 'pytorch',
      class: 'derivative',
      source: 'packages/images/pytorch/image.ts',
      files: [],
      projectFiles: [{ path: file, content: read(tree, file), mode: 0o644 }],
      torchInParent: false,
      inheritedEnv: [],
    },
    LINT_RULES.filter((r) => r.code === 'VL040' || r.code === 'VL070'),
  ).map((f) => `${f.code} ${f.file}:${f.line} ${f.message}`);
}

const FULL: Partial<ProvisioningGeneratorSchema> = {
  description: 'My app: a Gradio demo.',
  aptPackages: 'ffmpeg',
  pythonPackages: 'gradio==4.44.1',
  gitSource: 'https://github.com/org/my-app',
  gitRef: 'v1.2.0',
  command: 'python app.py --server-name 127.0.0.1 --server-port 17860',
  download: 'https://huggingface.co/org/model/resolve/main/w.safetensors|/workspace/models/',
};

describe('provisioning generator --manifest', () => {
  it("writes only the manifest, into the image's project, valid under the provisioner's schema", async () => {
    const tree = await generate(FULL);
    expect(changedPaths(tree)).toEqual([`CREATE ${FILE}`]);
    expect(read(tree, FILE)).toMatchInlineSnapshot(`
      "# my-app: provisioning manifest for pytorch (PROVISIONING_MANIFEST). Made by nx g @vast/plugin:provisioning my-app --from=pytorch --manifest.
      # My app: a Gradio demo.
      #
      # Edit freely; nx run pytorch:lint checks it with the schema the provisioner runs it with (VL070).
      # Use it: serve it over https and set PROVISIONING_MANIFEST to its URL on a template of pytorch.
      # The service starts only while its label is in PORTAL_CONFIG; the template's value (pytorch's entries, then this one):
      #   PORTAL_CONFIG="localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:7860:17860:/:My App"
      # nx g @vast/plugin:convert my-app --manifest=packages/images/pytorch/provisioning/my-app.yaml bakes what it installs into an image.
      #
      version: 1
      apt_packages:
        - ffmpeg
      pip_packages:
        - packages:
            - gradio==4.44.1
      git_repos:
        - url: https://github.com/org/my-app
          ref: v1.2.0
          dest: /workspace/my-app
      downloads:
        - url: https://huggingface.co/org/model/resolve/main/w.safetensors
          dest: /workspace/models/
      services:
        - name: my-app
          portal_search_term: My App
          workdir: /workspace/my-app
          command: python app.py --server-name 127.0.0.1 --server-port 17860
          port: 17860
      "
    `);
    const parsed = parseProvisioningManifestText(read(tree, FILE));
    expect(parsed.success && parsed.manifest.services[0]).toMatchObject({ name: 'my-app', port: 17860, venv: '/venv/main' });
    expect(lint(tree)).toEqual([]);
  });

  it('leaves CHANGEME where it could not decide, which lint reports in the manifest until decided', async () => {
    const tree = await generate({ gitSource: 'https://github.com/org/my-app' });
    const text = read(tree, FILE);
    expect(text).toContain('ref: "CHANGEME: the tag or commit of https://github.com/org/my-app');
    expect(text).toContain('command: "CHANGEME: the command that runs my-app in the foreground, listening on 127.0.0.1:17860"');
    expect(lint(tree).map((f) => f.replace(/ \(.*$/, ''))).toEqual([
      `VL040 ${FILE}:2 still says CHANGEME`,
      `VL040 ${FILE}:13 still says CHANGEME`,
      `VL040 ${FILE}:19 still says CHANGEME`,
    ]);
  });

  it('--modelsOnly: downloads and no service, nor the PORTAL_CONFIG it would need', async () => {
    const tree = await generate({
      modelsOnly: true,
      description: 'SD 1.5 checkpoints.',
      download: 'https://example.com/a.safetensors|/workspace/models/a.safetensors; https://example.com/b.ckpt|/workspace/models/',
    });
    const text = read(tree, FILE);
    expect(text).not.toContain('services');
    expect(text).not.toContain('PORTAL_CONFIG');
    const parsed = parseProvisioningManifestText(text);
    expect(parsed.success && parsed.manifest.downloads).toEqual([
      { url: 'https://example.com/a.safetensors', dest: '/workspace/models/a.safetensors' },
      { url: 'https://example.com/b.ckpt', dest: '/workspace/models/' },
    ]);
    expect(lint(tree)).toEqual([]);
  });

  it('does not overwrite an existing manifest', async () => {
    const tree = await generate(FULL);
    await expect(provisioningGenerator(tree, { name: 'my-app', from: 'pytorch', manifest: true })).rejects.toThrow(
      `${FILE} already exists; the generator never overwrites a manifest`,
    );
  });

  describe('rejects bad input and writes nothing', () => {
    it.each<[string, Partial<ProvisioningGeneratorSchema>, string]>([
      [
        'a download that is not url|dest',
        { download: 'https://example.com/a.bin' },
        "--download: entry 'https://example.com/a.bin' is not url|dest",
      ],
      [
        'a download URL the provisioner would refuse',
        { download: 'https://huggingface.co/o/r/blob/main/w.bin|/workspace/models/' },
        "downloads.0.url: 'https://huggingface.co/o/r/blob/main/w.bin' is a Hugging Face page (/blob/), not the file; replace /blob/ with /resolve/",
      ],
      ['--modelsOnly with nothing to provision', { modelsOnly: true }, '--modelsOnly with --manifest needs something to provision'],
      ['a port the image uses', { port: 8080 }, "--port=8080 is taken: base-image's 'Jupyter' entry uses it"],
      ['--download without --manifest', { manifest: false, download: 'https://e.com/a|/a' }, '--download needs --manifest'],
    ])('%s', async (_what, options, message) => {
      const tree = createImageTree();
      await expect(provisioningGenerator(tree, { name: 'my-app', from: 'pytorch', manifest: true, ...options })).rejects.toThrow(message);
      expect(changedPaths(tree)).toEqual([]);
    });
  });
});
