import { describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import derivativeGenerator from './generator';
import { assembleFromTree, changedPaths, createImageTree, readText as read, repoRoot } from '../lib/testing';
import { imageProjectDirs } from '../../lib/workspace-images';
import type { DerivativeGeneratorSchema } from './schema';

const image = (tree: Tree, name = 'hello') => read(tree, `packages/images/${name}/image.ts`);

async function generate(options: Partial<DerivativeGeneratorSchema> = {}, tree = createImageTree()): Promise<Tree> {
  await derivativeGenerator(tree, { name: 'hello', ...options });
  return tree;
}

/** The image.ts lines of one field, for per-option assertions. */
const field = (text: string, key: string) =>
  text
    .split('\n')
    .filter((l) => l.trimStart().startsWith(`${key}:`))
    .map((l) => l.trim());

describe('derivative generator', () => {
  it('writes a project of base-image with markers for what it could not decide', async () => {
    const tree = await generate({ aptPackages: 'python3' });
    expect(changedPaths(tree)).toEqual([
      'CREATE packages/images/hello/CHANGELOG.md',
      'CREATE packages/images/hello/README.md',
      'CREATE packages/images/hello/image.ts',
      'CREATE packages/images/hello/package.json',
    ]);
    expect(image(tree)).toMatchInlineSnapshot(`
      "// hello: 'Hello' on base-image. Made by nx g @vast/plugin:derivative hello; edit freely, \`nx run hello:lint\` checks it.
      import { defineImage } from '@vast/conventions';

      export default defineImage({
        name: 'hello',
        class: 'derivative',
        parent: 'base-image',
        description: 'CHANGEME: what hello is, in one sentence (it becomes the image description)',
        repository: 'vastai/hello',
        steps: [
          {
            name: 'apt-packages',
            comment: 'Debian packages hello needs.',
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
            name: 'hello',
            portalLabel: 'Hello',
            portal: [{ label: 'Hello', externalPort: 7860, internalPort: 17860 }],
            command: 'CHANGEME: the command that runs hello in the foreground, listening on 127.0.0.1:17860',
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
          { key: 'local', parent: 'local', local: true },
        ],
      });
      "
    `);
    expect(read(tree, 'packages/images/hello/package.json')).toMatchInlineSnapshot(`
      "{
        "name": "@vast/hello",
        "version": "1.0.0",
        "private": true,
        "nx": {
          "name": "hello"
        },
        "dependencies": {
          "@vast/base-image": "1.0.0",
          "@vast/conventions": "1.0.0"
        }
      }
      "
    `);
    expect(read(tree, 'packages/images/hello/CHANGELOG.md')).toBe('# @vast/hello\n');
  });

  it('is lint-clean except for one VL040 per marker, each leading back to image.ts', async () => {
    const { findings } = await assembleFromTree(await generate({ aptPackages: 'python3' }), 'hello');
    expect(findings.map((f) => `${f.code} ${f.file}`)).toEqual(['VL040 Dockerfile', 'VL040 ROOT/opt/supervisor-scripts/hello.sh']);
    for (const f of findings) expect(f.message).toContain('packages/images/hello/image.ts');
  });

  it('is lint-clean when every decision is given', async () => {
    const tree = await generate({
      description: 'A tiny HTTP server.',
      command: 'python3 -m http.server 17860 --bind 127.0.0.1',
      aptPackages: 'python3',
      pythonPackages: 'requests',
      gitSource: 'https://github.com/org/hello',
      gitRef: 'v1.0.0',
    });
    expect((await assembleFromTree(tree, 'hello')).findings).toEqual([]);
  });

  it('--parent: builds on any image, one variant per parent variant, torch-guarded installs under torch', async () => {
    const tree = await generate({ parent: 'pytorch', pythonPackages: 'gradio==4.44.1', description: 'd', command: 'c' });
    const text = image(tree);
    expect(field(text, 'parent')[0]).toBe("parent: 'pytorch',");
    expect(text).toContain('torchGuard: true');
    // Facts (torch, cuda, python) come from the parent variant, so the child states none of them.
    expect(text).toContain("{ key: '2.10.0-cu128-cuda-12.9-py312', parent: '2.10.0-cu128-cuda-12.9-py312' }");
    // pytorch has a local variant, but gradio comes from PyPI, which the local profile cannot reach.
    expect(text).not.toContain('local: true');
    expect(JSON.parse(read(tree, 'packages/images/hello/package.json')).dependencies).toEqual({
      '@vast/conventions': '1.0.0',
      '@vast/pytorch': '1.0.0',
    });
    expect((await assembleFromTree(tree, 'hello')).findings).toEqual([]);
  });

  it('--service and --portal-path: the supervisor program and where the portal opens the app', async () => {
    const tree = await generate({ service: 'hello-server', portalPath: '/ui', description: 'd', command: 'c' });
    const text = image(tree);
    expect(field(text, 'name')).toEqual(["name: 'hello',", "name: 'hello-server',"]);
    expect(field(text, 'portal')).toEqual(["portal: [{ label: 'Hello', externalPort: 7860, internalPort: 17860, path: '/ui' }],"]);
    const files = (await assembleFromTree(tree, 'hello')).files.map((f) => f.path);
    expect(files).toContain('ROOT/etc/supervisor/conf.d/hello-server.conf');
    expect(files).toContain('ROOT/opt/supervisor-scripts/hello-server.sh');
    expect(read(tree, 'packages/images/hello/README.md')).toContain(
      "- `hello-server` (supervisor program): Caddy serves it with auth on port 7860 as 'Hello' (the portal opens /ui), from 127.0.0.1:17860; it starts only while 'Hello' is in the instance's PORTAL_CONFIG.",
    );
  });

  it('picks a default label that gates on its own: x -> X Server, since X is inside external_port', async () => {
    // A one-letter name no image of this workspace has yet (the acceptance test adds an image called x).
    const name = ['x', 'e', 'p', 't'].find((n) => !imageProjectDirs(repoRoot).includes(n))!;
    const tree = createImageTree();
    await derivativeGenerator(tree, { name, service: `${name}-server`, port: 7861 });
    expect(field(image(tree, name), 'portalLabel')).toEqual([`portalLabel: '${name.toUpperCase()} Server',`]);
  });

  it('offers a local variant only where it can build, and says why not', async () => {
    const offline = image(await generate({ aptPackages: 'python3' }));
    expect(offline).toContain("{ key: 'local', parent: 'local', local: true }");
    const online = await generate({ pythonPackages: 'gradio==4.44.1' });
    expect(image(online)).not.toContain('local: true');
    expect(read(online, 'packages/images/hello/README.md')).toContain(
      'No local variant (offline build): its Python packages come from PyPI, which the local profile cannot reach.',
    );
    const onComfy = await generate({ parent: 'comfyui' });
    expect(image(onComfy)).not.toContain('local: true');
    expect(read(onComfy, 'packages/images/hello/README.md')).toContain('No local variant (offline build): comfyui has none to build on.');
  });

  it('--description: the image description, no marker', async () => {
    const text = image(await generate({ description: 'A tiny HTTP server.' }));
    expect(field(text, 'description')).toEqual(["description: 'A tiny HTTP server.',"]);
  });

  it('--repository: where its tags go', async () => {
    expect(field(image(await generate({ repository: 'example/hello' })), 'repository')).toEqual(["repository: 'example/hello',"]);
  });

  it('--label: the portal label that gates the service', async () => {
    const text = image(await generate({ label: 'Hello World' }));
    expect(field(text, 'portalLabel')).toEqual(["portalLabel: 'Hello World',"]);
    expect(field(text, 'portal')).toEqual(["portal: [{ label: 'Hello World', externalPort: 7860, internalPort: 17860 }],"]);
  });

  it('--port: the external port; the internal one follows it when free', async () => {
    expect(field(image(await generate({ port: 9000 })), 'portal')).toEqual([
      "portal: [{ label: 'Hello', externalPort: 9000, internalPort: 19000 }],",
    ]);
  });

  it('--internalPort: where the app listens', async () => {
    const text = image(await generate({ internalPort: 5000 }));
    expect(field(text, 'portal')).toEqual(["portal: [{ label: 'Hello', externalPort: 7860, internalPort: 5000 }],"]);
    expect(text).toContain('listening on 127.0.0.1:5000');
  });

  it('picks a free pair when the default is taken in the chain', async () => {
    const tree = await generate({ name: 'first', description: 'd', command: 'c' });
    await derivativeGenerator(tree, { name: 'second', parent: 'first' });
    expect(field(image(tree, 'second'), 'portal')).toEqual(["portal: [{ label: 'Second', externalPort: 7861, internalPort: 17861 }],"]);
  });

  it('--command: the launch command, no marker', async () => {
    const tree = await generate({ command: 'python3 -m http.server 17860 --bind 127.0.0.1' });
    expect(field(image(tree), 'command')).toEqual(["command: 'python3 -m http.server 17860 --bind 127.0.0.1',"]);
    const script = (await assembleFromTree(tree, 'hello')).files.find((f) => f.path === 'ROOT/opt/supervisor-scripts/hello.sh')!.content;
    expect(script.trimEnd().split('\n').pop()).toBe('pty python3 -m http.server 17860 --bind 127.0.0.1');
  });

  it('--workdir: where the command runs', async () => {
    expect(field(image(await generate({ workdir: '/opt/hello' })), 'workdir')).toEqual(["workdir: '/opt/hello',"]);
  });

  it('--aptPackages: one Debian step, sorted, checked', async () => {
    const text = image(await generate({ aptPackages: 'python3, curl busybox' }));
    expect(text).toContain("'apt-get install -y --no-install-recommends busybox curl python3',");
    expect(text).toContain("'dpkg-query -W busybox curl python3',");
  });

  it('--pythonPackages: uv pip into /venv/main, production profile only', async () => {
    const text = image(await generate({ pythonPackages: "requests,'numpy<2'".replace(/'/g, '') }));
    expect(text).toContain(`"uv pip install --no-cache-dir requests 'numpy<2'",`);
    expect(text).toContain("profile: 'production',");
    expect(text).not.toContain('torchGuard');
  });

  it('--gitSource: a clone at a build-arg ref, the ref left to decide, the workspace copy as workdir', async () => {
    const tree = await generate({ gitSource: 'https://github.com/org/hello' });
    const text = image(tree);
    expect(field(text, 'HELLO_REF')).toEqual([
      "HELLO_REF: 'CHANGEME: the tag or commit of https://github.com/org/hello to build (a tag or commit keeps builds reproducible)',",
    ]);
    expect(text).toContain("'git clone https://github.com/org/hello /opt/workspace-internal/hello',");
    expect(field(text, 'workdir')).toEqual(["workdir: '/workspace/hello',"]);
    expect((await assembleFromTree(tree, 'hello')).findings.map((f) => f.file)).toEqual([
      'Dockerfile',
      'Dockerfile',
      'ROOT/opt/supervisor-scripts/hello.sh',
    ]);
  });

  it('--gitRef: the ref, no marker', async () => {
    expect(field(image(await generate({ gitSource: 'https://github.com/org/hello', gitRef: 'v1.0.0' })), 'args')).toEqual([
      "args: { HELLO_REF: 'v1.0.0' },",
    ]);
  });

  it('registers the package in package-lock.json in npm order', async () => {
    const tree = await generate({}, createImageTree({ lockFile: true }));
    const lock = JSON.parse(read(tree, 'package-lock.json'));
    expect(Object.keys(lock.packages)).toEqual([
      '',
      'node_modules/@vast/base-image',
      'node_modules/@vast/hello',
      'node_modules/@vast/pytorch',
      'node_modules/zod',
      'packages/images/base-image',
      'packages/images/hello',
      'packages/images/pytorch',
    ]);
    expect(lock.packages['packages/images/hello']).toEqual({
      name: '@vast/hello',
      version: '1.0.0',
      dependencies: { '@vast/base-image': '1.0.0', '@vast/conventions': '1.0.0' },
    });
    expect(lock.packages['node_modules/@vast/hello']).toEqual({ resolved: 'packages/images/hello', link: true });
  });

  it('does not overwrite an existing project', async () => {
    const tree = createImageTree();
    const before = read(tree, 'packages/images/comfyui/image.ts');
    await expect(derivativeGenerator(tree, { name: 'comfyui' })).rejects.toThrow(
      'packages/images/comfyui already exists; the generator never overwrites a project',
    );
    expect(read(tree, 'packages/images/comfyui/image.ts')).toBe(before);
    expect(changedPaths(tree)).toEqual([]);
  });

  describe('rejects bad input and writes nothing', () => {
    it.each<[string, Partial<DerivativeGeneratorSchema>, string]>([
      [
        'a name that is not an image name',
        { name: 'Hello_World' },
        "'Hello_World' is not a valid image name: use kebab-case, lowercase letters and digits joined by single dashes (e.g. hello-world)",
      ],
      ['a name another project has', { name: 'conventions' }, "'conventions' is already an Nx project"],
      ['a name a parent service has', { name: 'cron' }, "the name 'cron' is also the name of a supervisor program of base-image"],
      [
        'an unknown parent',
        { parent: 'nope' },
        `--parent: 'nope' is not an image project. Use one of: ${imageProjectDirs(repoRoot).join(', ')}.`,
      ],
      ['a port out of range', { port: 70000 }, '--port=70000 is not a port: use a whole number from 1 to 65535'],
      ['a port of zero', { port: 0 }, '--port=0 is not a port'],
      ['a fractional port', { internalPort: 1.5 }, '--internalPort=1.5 is not a port'],
      [
        'a port a parent service uses',
        { port: 1111 },
        "--port=1111 is taken: base-image's 'Instance Portal' entry uses it (1111 -> 11111)",
      ],
      [
        'an internal port a parent service uses',
        { internalPort: 18080 },
        "--internalPort=18080 is taken: base-image's 'Jupyter' entry uses it",
      ],
      ['a port used further up the chain', { parent: 'comfyui', port: 8080 }, "--port=8080 is taken: base-image's 'Jupyter' entry uses it"],
      ['the same external and internal port', { port: 9000, internalPort: 9000 }, '--port and --internalPort are both 9000'],
      ['a label the chain has', { label: 'jupyter' }, "--label='jupyter' is taken: the chain already has a 'Jupyter' entry (base-image)"],
      [
        'a label inside another label',
        { label: 'Portal' },
        "--label='Portal' would not switch on and off on its own: it appears in the chain's /etc/portal.yaml line 'Instance Portal:'",
      ],
      ['a label with a separator', { label: 'a|b' }, "--label='a|b' cannot be a PORTAL_CONFIG label"],
      [
        'a label that matches a YAML key of portal.yaml',
        { label: 'Name' },
        "--label='Name' matches the chain's /etc/portal.yaml line 'hostname: localhost'",
      ],
      [
        'a label that contains a label of the chain',
        { label: 'Jupyter Lab' },
        "--label='Jupyter Lab' contains 'Jupyter', the portalLabel of base-image's service jupyter",
      ],
      ['a bad Debian package', { aptPackages: 'python3,rm -rf' }, "--aptPackages: '-rf' must be a Debian package name"],
      ['a pip option', { pythonPackages: '--index-url=x' }, "--pythonPackages: '--index-url=x' must be one pip requirement"],
      ['a git source that is not a URL', { gitSource: 'org/hello' }, "--gitSource='org/hello' must be a git URL"],
      ['a git ref without a source', { gitRef: 'v1' }, '--gitRef needs --gitSource'],
      ['a relative workdir', { workdir: 'hello' }, "--workdir='hello' must be an absolute path or start with a variable"],
      [
        'a workdir that would run a command',
        { workdir: '/x/$(id)' },
        "--workdir='/x/$(id)' must be an absolute path or start with a variable",
      ],
      [
        'a service name supervisor cannot take',
        { service: 'Hello Server' },
        "--service='Hello Server' must be lowercase letters, digits, - or _",
      ],
      ['a service name a parent has', { service: 'jupyter' }, "--service 'jupyter' is also the name of a supervisor program of base-image"],
      ['a portal path that is not a path', { portalPath: 'ui' }, "--portal-path='ui' must start with '/'"],
      ['a bad repository', { repository: 'Vast/Hello' }, "--repository='Vast/Hello' must be a lowercase repository path"],
    ])('%s', async (_what, options, message) => {
      const tree = createImageTree();
      await expect(derivativeGenerator(tree, { name: 'hello', ...options })).rejects.toThrow(message);
      expect(changedPaths(tree)).toEqual([]);
    });

    it('reports every bad option at once', async () => {
      const tree = createImageTree();
      const error = await derivativeGenerator(tree, { name: 'hello', port: 1111, internalPort: 70000, workdir: 'x' }).catch(
        (e: Error) => e,
      );
      expect((error as Error).message.split('\n')).toEqual([
        'nx g @vast/plugin:derivative hello:',
        "  - --port=1111 is taken: base-image's 'Instance Portal' entry uses it (1111 -> 11111). Choose another port, or leave --port out to get a free one.",
        '  - --internalPort=70000 is not a port: use a whole number from 1 to 65535 (or leave it out to get a free one).',
        "  - --workdir='x' must be an absolute path or start with a variable, e.g. /workspace/app or ${DATA_DIRECTORY}/app, using only letters, digits, ./_-@+:=, spaces and ${NAME} (no quotes, backslashes, backticks or $(...)).",
      ]);
    });
  });
});
