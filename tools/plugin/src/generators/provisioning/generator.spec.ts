import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import provisioningGenerator from './generator';
import { changedPaths, createImageTree, readText as read } from '../lib/testing';
import type { ProvisioningGeneratorSchema } from './schema';

const DIR = 'packages/provisioning/my-app';

async function generate(options: Partial<ProvisioningGeneratorSchema> = {}, tree = createImageTree()): Promise<Tree> {
  await provisioningGenerator(tree, { name: 'my-app', from: 'pytorch', ...options });
  return tree;
}

/** shellcheck's findings (warnings and errors) for a script, as text; empty when clean. */
function shellcheck(script: string): string {
  try {
    execFileSync('shellcheck', ['--shell=bash', '--severity=warning', '--format=gcc', '-'], { input: script, encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

const FULL: Partial<ProvisioningGeneratorSchema> = {
  description: 'My app: a Gradio demo.',
  aptPackages: 'ffmpeg',
  pythonPackages: 'gradio==4.44.1',
  gitSource: 'https://github.com/org/my-app',
  gitRef: 'v1.2.0',
  command: '. /venv/main/bin/activate\npython app.py --server-name 127.0.0.1 --server-port 17860',
};

describe('provisioning generator', () => {
  it('writes provisioning.ts, an executable provision.sh and a README', async () => {
    const tree = await generate(FULL);
    expect(changedPaths(tree)).toEqual([`CREATE ${DIR}/README.md`, `CREATE ${DIR}/provision.sh`, `CREATE ${DIR}/provisioning.ts`]);
    expect(read(tree, `${DIR}/provisioning.ts`)).toMatchInlineSnapshot(`
      "// my-app: provisioning-only template for pytorch. Made by nx g @vast/plugin:provisioning; edit freely, then --refresh.
      import { defineProvisioning } from '@vast/conventions';

      export default defineProvisioning({
        name: 'my-app',
        from: 'pytorch',
        description: 'My app: a Gradio demo.',
        aptPackages: ['ffmpeg'],
        pythonPackages: ['gradio==4.44.1'],
        git: { url: 'https://github.com/org/my-app', ref: 'v1.2.0' },
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
      });
      "
    `);
    expect(tree.listChanges().find((c) => c.path === `${DIR}/provision.sh`)!.options?.mode).toBe('755');
  });

  it('renders provision.sh that shellcheck accepts, torch-guarded on pytorch, reloading supervisor at the end', async () => {
    const script = read(await generate(FULL), `${DIR}/provision.sh`);
    expect(shellcheck(script)).toBe('');
    expect(script).toContain('[[ "$torch_versions_pre" == "$torch_versions_post" ]]');
    expect(script).toContain('git -C "$dest" checkout v1.2.0');
    expect(script.trimEnd().split('\n').slice(-2)).toEqual([
      'supervisorctl reread && supervisorctl update',
      'supervisorctl status my-app || true',
    ]);
  });

  it('leaves markers where it could not decide, in provisioning.ts and so in provision.sh', async () => {
    const tree = await generate({ gitSource: 'https://github.com/org/my-app' });
    const source = read(tree, `${DIR}/provisioning.ts`);
    expect(source).toContain("description: 'CHANGEME: what my-app is, in one sentence (it becomes the image description)',");
    expect(source).toContain("ref: 'CHANGEME: the tag or commit of https://github.com/org/my-app to build");
    const script = read(tree, `${DIR}/provision.sh`);
    expect(script).toContain('pty CHANGEME: the command that runs my-app in the foreground, listening on 127.0.0.1:17860');
    expect(shellcheck(script)).toBe('');
  });

  it('tells how to use it: PROVISIONING_SCRIPT, the PORTAL_CONFIG with its label, --refresh, convert', async () => {
    const readme = read(await generate(FULL), `${DIR}/README.md`);
    expect(readme).toContain(
      'PORTAL_CONFIG="localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal|localhost:7860:17860:/:My App"',
    );
    expect(readme).toContain('nx g @vast/plugin:provisioning my-app --refresh');
    expect(readme).toContain('nx g @vast/plugin:convert my-app');
  });

  it('--refresh renders provision.sh again from an edited provisioning.ts, and nothing else', async () => {
    const tree = await generate(FULL);
    tree.write(`${DIR}/provisioning.ts`, read(tree, `${DIR}/provisioning.ts`).replace("'ffmpeg'", "'ffmpeg', 'libgl1'"));
    const before = read(tree, `${DIR}/README.md`);
    await provisioningGenerator(tree, { name: 'my-app', refresh: true });
    expect(read(tree, `${DIR}/provision.sh`)).toContain('apt-get install -y --no-install-recommends ffmpeg libgl1');
    expect(read(tree, `${DIR}/README.md`)).toBe(before);
  });

  it('--refresh names the file and field of an invalid edit', async () => {
    const tree = await generate(FULL);
    tree.write(`${DIR}/provisioning.ts`, read(tree, `${DIR}/provisioning.ts`).replace("'ffmpeg'", "'Not A Package'"));
    await expect(provisioningGenerator(tree, { name: 'my-app', refresh: true })).rejects.toThrow(
      `${DIR}/provisioning.ts is invalid:\n  aptPackages.0: must be a Debian package name`,
    );
  });

  it('--modelsOnly: a template with no service, whose steps are left to decide; --refresh renders what was decided', async () => {
    const tree = await generate({ modelsOnly: true, description: 'SD 1.5 checkpoints for ComfyUI.' });
    const source = read(tree, `${DIR}/provisioning.ts`);
    expect(source).not.toContain('services');
    expect(source).toContain("run: 'CHANGEME: the commands that download or install what my-app provides");
    expect(read(tree, `${DIR}/README.md`)).toContain('starts nothing');
    tree.write(`${DIR}/provisioning.ts`, source.replace(/run: 'CHANGEME[^']*'/, `run: 'mkdir -p "\${WORKSPACE}/models"'`));
    await provisioningGenerator(tree, { name: 'my-app', refresh: true });
    const script = read(tree, `${DIR}/provision.sh`);
    expect(script).toContain('mkdir -p "${WORKSPACE}/models"');
    expect(script).not.toContain('supervisorctl');
    expect(shellcheck(script)).toBe('');
  });

  it('does not overwrite an existing template', async () => {
    const tree = await generate(FULL);
    const before = changedPaths(tree);
    await expect(provisioningGenerator(tree, { name: 'my-app', from: 'base-image' })).rejects.toThrow(
      `${DIR} already exists; the generator never overwrites a project`,
    );
    expect(changedPaths(tree)).toEqual(before);
  });

  describe('rejects bad input and writes nothing', () => {
    it.each<[string, Partial<ProvisioningGeneratorSchema>, string]>([
      ['an unknown --from', { from: 'nope' }, "--from: 'nope' is not an image project"],
      ['a bad name', { name: 'My App' }, "'My App' is not a valid image name"],
      ['a port the image uses', { port: 8080 }, "--port=8080 is taken: base-image's 'Jupyter' entry uses it"],
      ['a pip option', { pythonPackages: '-e .' }, "--pythonPackages: '-e' must be one pip requirement"],
      [
        'service options with --modelsOnly',
        { modelsOnly: true, port: 7000, command: 'x' },
        '--port, --command describe a service, and --modelsOnly makes a template without one',
      ],
    ])('%s', async (_what, options, message) => {
      const tree = createImageTree();
      await expect(provisioningGenerator(tree, { name: 'my-app', from: 'pytorch', ...options })).rejects.toThrow(message);
      expect(changedPaths(tree)).toEqual([]);
    });
  });
});
