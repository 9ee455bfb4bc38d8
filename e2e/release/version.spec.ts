// The release command's version step, for real (changesets CLI + npm) in a scratch copy of the workspace:
// a base-image minor changeset releases base-image and, through the exact pins, every image built on it.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@vast/plugin/testing';
import { repoRoot, ScratchWorkspace } from '../support/scratch-workspace';

const IMAGES = ['base-image', 'comfyui', 'ollama', 'pytorch', 'vllm'];
const LIBRARIES = { conventions: 'packages/conventions', portal: 'packages/portal', plugin: 'tools/plugin' };

const readJson = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const imagePkg = (dir: string, image: string) => readJson(dir, `packages/images/${image}/package.json`);
const changelog = (dir: string, image: string) => readFileSync(join(dir, `packages/images/${image}/CHANGELOG.md`), 'utf8');

async function release(ws: ScratchWorkspace, ...args: string[]) {
  return run(join(ws.root, 'node_modules/.bin/tsx'), ['scripts/release.ts', ...args], { cwd: ws.root, reject: false, timeoutMs: 180_000 });
}

function writeChangeset(ws: ScratchWorkspace, name: string, releases: Record<string, string>, summary: string) {
  const front = Object.entries(releases).map(([pkg, bump]) => `"${pkg}": ${bump}`);
  writeFileSync(join(ws.root, '.changeset', `${name}.md`), `---\n${front.join('\n')}\n---\n\n${summary}\n`);
}

// npm's hidden lockfile in the real install must not be touched by anything the copy runs.
const realHiddenLock = join(repoRoot, 'node_modules/.package-lock.json');
const hiddenLockBefore = existsSync(realHiddenLock) ? statSync(realHiddenLock).mtimeMs : undefined;

describe('release --version-only: base-image minor', () => {
  let ws: ScratchWorkspace;
  let before: Record<string, string>;
  let output: string;

  beforeAll(async () => {
    ws = ScratchWorkspace.create('release-version-');
    // The copy starts from whatever versions the workspace has; the acceptance numbers assume 1.0.0 everywhere.
    for (const image of IMAGES) expect(imagePkg(ws.root, image).version, `${image} starts at 1.0.0`).toBe('1.0.0');
    before = Object.fromEntries(Object.entries(LIBRARIES).map(([k, dir]) => [k, readFileSync(join(ws.root, dir, 'package.json'), 'utf8')]));
    writeChangeset(ws, 'base-image-minor', { '@vast/base-image': 'minor' }, 'Serve the portal over HTTP/2.');
    ws.git('add', '--all');
    ws.git('commit', '--quiet', '-m', 'changeset');

    const dry = await release(ws, '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.exitCode).toBe(0);
    output = dry.stdout;

    const result = await release(ws, '--version-only');
    expect(result.exitCode, result.stderr).toBe(0);
    output += `\n${result.stdout}`;
  }, 240_000);

  afterAll(() => ws?.dispose());

  it('--dry-run printed the plan and changed nothing', () => {
    expect(output).toContain(
      [
        'release: images to release (dry run)',
        '  base-image       1.0.0 -> 1.1.0',
        '  ollama           1.0.0 -> 1.0.1',
        '  pytorch          1.0.0 -> 1.0.1',
        '  vllm             1.0.0 -> 1.0.1',
        '  comfyui          1.0.0 -> 1.0.1',
        '',
        'release: would run',
        '  changeset version',
        '  npm install --package-lock-only --ignore-scripts --no-audit --no-fund',
        '  nx run-many -t docker-build -p base-image,ollama,pytorch,vllm,comfyui -c production',
        '  nx run-many -t docker-push -p base-image,ollama,pytorch,vllm,comfyui -c production --parallel=1 --nxBail',
      ].join('\n'),
    );
  });

  it('bumps base-image minor and patch-bumps every image built on it', () => {
    expect(Object.fromEntries(IMAGES.map((i) => [i, imagePkg(ws.root, i).version]))).toEqual({
      'base-image': '1.1.0',
      comfyui: '1.0.1',
      ollama: '1.0.1',
      pytorch: '1.0.1',
      vllm: '1.0.1',
    });
    expect(output).toContain(
      [
        'release: images to release',
        '  base-image       1.0.0 -> 1.1.0',
        '  ollama           1.0.0 -> 1.0.1',
        '  pytorch          1.0.0 -> 1.0.1',
        '  vllm             1.0.0 -> 1.0.1',
        '  comfyui          1.0.0 -> 1.0.1',
      ].join('\n'),
    );
  });

  it('rewrites the exact parent pins', () => {
    expect(imagePkg(ws.root, 'pytorch').dependencies['@vast/base-image']).toBe('1.1.0');
    expect(imagePkg(ws.root, 'vllm').dependencies['@vast/base-image']).toBe('1.1.0');
    expect(imagePkg(ws.root, 'ollama').dependencies['@vast/base-image']).toBe('1.1.0');
    expect(imagePkg(ws.root, 'comfyui').dependencies['@vast/pytorch']).toBe('1.0.1');
  });

  it('leaves the libraries and the plugin alone', () => {
    for (const [k, dir] of Object.entries(LIBRARIES)) {
      expect(readFileSync(join(ws.root, dir, 'package.json'), 'utf8'), k).toBe(before[k]);
      expect(existsSync(join(ws.root, dir, 'CHANGELOG.md')), `${k} CHANGELOG.md`).toBe(false);
    }
  });

  it('writes the changelogs', async () => {
    // The changelog writer credits the commit that added the changeset.
    const sha = ws.git('log', '--format=%h', '--abbrev=7', '-1', '--', '.changeset/base-image-minor.md').trim();
    expect(sha).toMatch(/^[0-9a-f]{7}$/);
    expect(changelog(ws.root, 'base-image')).toBe(
      `# @vast/base-image\n\n## 1.1.0\n\n### Minor Changes\n\n- ${sha}: Serve the portal over HTTP/2.\n`,
    );
    expect(changelog(ws.root, 'pytorch')).toBe(
      `# @vast/pytorch\n\n## 1.0.1\n\n### Patch Changes\n\n- Updated dependencies [${sha}]\n  - @vast/base-image@1.1.0\n`,
    );
    // comfyui only follows pytorch (no changeset names it, no commit to credit): one line per dependency.
    expect(changelog(ws.root, 'comfyui')).toBe('# @vast/comfyui\n\n## 1.0.1\n\n### Patch Changes\n\n- @vast/pytorch@1.0.1\n');
    for (const image of ['vllm', 'ollama']) {
      expect(changelog(ws.root, image)).toBe(
        `# @vast/${image}\n\n## 1.0.1\n\n### Patch Changes\n\n- Updated dependencies [${sha}]\n  - @vast/base-image@1.1.0\n`,
      );
    }
  });

  it('consumes the changeset', () => {
    expect(existsSync(join(ws.root, '.changeset/base-image-minor.md'))).toBe(false);
  });

  it('keeps package-lock.json in sync with the new versions and pins', async () => {
    const lock = readJson(ws.root, 'package-lock.json');
    for (const image of IMAGES) {
      const pkg = imagePkg(ws.root, image);
      const entry = lock.packages[`packages/images/${image}`];
      expect(entry.version, `${image} in package-lock.json`).toBe(pkg.version);
      expect(entry.dependencies, `${image} dependencies in package-lock.json`).toEqual(pkg.dependencies);
    }
    // In sync means npm has nothing left to change.
    const text = readFileSync(join(ws.root, 'package-lock.json'), 'utf8');
    await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: ws.root });
    expect(readFileSync(join(ws.root, 'package-lock.json'), 'utf8')).toBe(text);
  }, 120_000);

  it('did not touch the real install', () => {
    if (hiddenLockBefore !== undefined) expect(statSync(realHiddenLock).mtimeMs).toBe(hiddenLockBefore);
  });
});

describe('release --version-only: an unreleased image is not touched', () => {
  let ws: ScratchWorkspace;
  let result: Awaited<ReturnType<typeof release>>;
  let before: Record<string, string>;

  beforeAll(async () => {
    ws = ScratchWorkspace.create('release-version-leaf-');
    before = Object.fromEntries(IMAGES.map((i) => [i, readFileSync(join(ws.root, `packages/images/${i}/package.json`), 'utf8')]));
    writeChangeset(ws, 'comfyui-patch', { '@vast/comfyui': 'patch' }, 'Pin the ComfyUI manager.');
    result = await release(ws, '--version-only');
  }, 240_000);

  afterAll(() => ws?.dispose());

  it('releases only comfyui', () => {
    expect(result.exitCode, result.stderr).toBe(0);
    // Stdout ends with the list, so nothing after comfyui is released.
    expect(result.stdout.endsWith('release: images to release\n  comfyui          1.0.0 -> 1.0.1')).toBe(true);
    expect(imagePkg(ws.root, 'comfyui').version).toBe('1.0.1');
    for (const image of IMAGES.filter((i) => i !== 'comfyui')) {
      expect(readFileSync(join(ws.root, `packages/images/${image}/package.json`), 'utf8'), image).toBe(before[image]);
      expect(existsSync(join(ws.root, `packages/images/${image}/CHANGELOG.md`)), `${image} CHANGELOG.md`).toBe(false);
    }
  });

  it('with no changeset left, releases nothing', async () => {
    const again = await release(ws, '--version-only');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('release: no image to release');
  }, 120_000);

  it('refuses to start a full release without a registry, before changing anything', async () => {
    writeChangeset(ws, 'base-patch', { '@vast/base-image': 'patch' }, 'x');
    const env = { ...process.env };
    delete env.VAST_REGISTRY;
    const full = await run(join(ws.root, 'node_modules/.bin/tsx'), ['scripts/release.ts'], { cwd: ws.root, env, reject: false });
    expect(full.exitCode).toBe(1);
    expect(full.stderr).toContain(
      'release: no registry to push to. Pass --registry=<host[:port]> or set VAST_REGISTRY. Nothing was changed.',
    );
    expect(existsSync(join(ws.root, '.changeset/base-patch.md'))).toBe(true);
    expect(imagePkg(ws.root, 'base-image').version).toBe('1.0.0');
  });
});
