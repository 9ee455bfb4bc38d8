// The workspace as a user meets it: projects, cached build+lint, the FROM graph, affected selection, dry-run order,
// and clear failures on bad input. Real Nx in a scratch copy; no Docker engine needed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageProjectDirs } from '@vast/plugin/testing';
import { traceModuleLoads } from '../support/module-trace';
import { repoRoot, ScratchWorkspace } from '../support/scratch-workspace';

/** The image projects of the workspace, read from it, so a new image is in every check here. */
const IMAGES = imageProjectDirs(repoRoot);
let ws: ScratchWorkspace;

beforeAll(() => {
  ws = ScratchWorkspace.create('vast-e2e-workspace-');
});
afterAll(() => ws?.dispose());

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

describe('the workspace', () => {
  it('lists the images and the tooling projects', () => {
    const result = ws.nx('show', 'projects');
    expect(result.code, result.output).toBe(0);
    // e2e/ is a project too, but the scratch copy leaves it out.
    expect(lines(result.stdout).sort()).toEqual([...IMAGES, 'conventions', 'plugin', 'portal', 'provisioner', 'bench', 'scripts'].sort());
  });

  it('builds and lints every image, then serves a second run from the cache', () => {
    const first = ws.nx('run-many', '-t', 'build', 'lint');
    expect(first.code, first.output).toBe(0);
    for (const image of IMAGES) {
      for (const file of ['Dockerfile', 'image.json']) expect(ws.read(`dist/images/${image}/${file}`).length).toBeGreaterThan(0);
    }
    const second = ws.nx('run-many', '-t', 'build', 'lint');
    expect(second.code, second.output).toBe(0);
    const hits = /Nx read the output from the cache instead of running the command for (\d+) out of (\d+) tasks/.exec(second.output);
    expect(hits, second.output).not.toBeNull();
    expect(hits![1]).toBe(hits![2]);
  });

  it('runs build and lint again when a plugin module they share changes, with the edited code (no stale cache or bundle)', () => {
    // Neither executor's own folder: a lib module both import. A cache keyed on the executor folders replays here, and
    // a bundle that missed the edit would run without the line below.
    const shared = 'tools/plugin/src/lib/workspace-images.ts';
    const original = ws.read(shared);
    const marker = `scratch edit of workspace-images.ts ${process.pid}`;
    ws.write(shared, `${original}\nprocess.stdout.write(${JSON.stringify(`${marker}\n`)});\n`);
    // Named by the plugin's folder (not a workspace package name), no process needs TypeScript to find an executor.
    const typescript = traceModuleLoads('typescript');
    try {
      const result = ws.run(join(ws.root, 'node_modules/.bin/nx'), ['run-many', '-t', 'build', 'lint', '-p', 'ollama'], typescript.env);
      expect(result.code, result.output).toBe(0);
      const imageTasks = lines(result.stdout).filter((l) => /^> nx run (base-image|ollama):(build|lint)\b/.test(l));
      expect(imageTasks.sort()).toEqual(['> nx run base-image:build', '> nx run ollama:build', '> nx run ollama:lint']);
      // Each of the three task processes ran the edited module.
      expect(result.stdout.split(marker).length - 1, result.output).toBe(3);
      // (The graph's other plugins may load it in the nx process; finding an executor, and the task processes, must not.)
      const loads = typescript.loads();
      expect(loads.filter((l) => l.includes('tryResolveFromSource') || l.includes('run-executor'))).toEqual([]);
    } finally {
      typescript.dispose();
      ws.write(shared, original);
    }
  });

  it('computes the project graph with an edited createNodes on the very next command', () => {
    const plugin = 'tools/plugin/src/plugins/plugin.ts';
    const original = ws.read(plugin);
    const description = 'Make the local Debian bookworm base image with debootstrap + docker import';
    expect(original).toContain(description);
    ws.write(plugin, original.replace(description, `${description} (scratch edit)`));
    try {
      const result = ws.nx('show', 'project', 'base-image', '--json');
      expect(result.code, result.output).toBe(0);
      expect(JSON.parse(result.stdout).targets['local-root'].metadata.description).toBe(`${description} (scratch edit)`);
    } finally {
      ws.write(plugin, original);
    }
  });

  it('works in a fresh clone with no step before the first nx command: the plugin bundles are made on first use', () => {
    const clone = ws.clone('vast-e2e-clone-');
    try {
      expect(existsSync(join(clone.root, 'tools/plugin/node_modules'))).toBe(false);
      const result = clone.nx('run', 'ollama:lint');
      expect(result.code, result.output).toBe(0);
      expect(clone.read('dist/images/ollama/Dockerfile').length).toBeGreaterThan(0);
      expect(
        readdirSync(join(clone.root, 'tools/plugin/node_modules/.cache/vast-plugin')).filter((f) => f.endsWith('.cjs')).length,
      ).toBeGreaterThan(0);
    } finally {
      clone.dispose();
    }
  });

  it('has the FROM edges, and every image depends on conventions', () => {
    const result = ws.nx('graph', '--file=graph.json');
    expect(result.code, result.output).toBe(0);
    const graph = JSON.parse(ws.read('graph.json')).graph as { dependencies: Record<string, Array<{ target: string }>> };
    const deps = (p: string) => graph.dependencies[p].map((d) => d.target).sort();
    expect(deps('pytorch')).toEqual(['base-image', 'conventions']);
    expect(deps('comfyui')).toEqual(['conventions', 'pytorch']);
    expect(deps('vllm')).toEqual(['base-image', 'conventions']);
    expect(deps('ollama')).toEqual(['base-image', 'conventions']);
    expect(deps('base-image')).toContain('conventions');
  });

  describe('affected selection (one scratch commit each)', () => {
    const affected = (edit: () => void) => {
      edit();
      ws.commit('scratch: change');
      const result = ws.nx('show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '-t', 'docker-build');
      expect(result.code, result.output).toBe(0);
      return lines(result.stdout).sort();
    };

    it('a comfyui overlay file: comfyui alone', () => {
      expect(affected(() => ws.write('packages/images/comfyui/ROOT/opt/comfyui-note.txt', 'hello\n'))).toEqual(['comfyui']);
    });
    it("pytorch's image.ts: pytorch and comfyui", () => {
      expect(affected(() => ws.edit('packages/images/pytorch/image.ts', (t) => t + '\n// scratch edit\n'))).toEqual(['comfyui', 'pytorch']);
    });
    it('a conventions renderer: all five', () => {
      expect(affected(() => ws.edit('packages/conventions/src/dockerfile.ts', (t) => t + '\n// scratch edit\n'))).toEqual(
        [...IMAGES].sort(),
      );
    });
    it('README.md: none', () => {
      expect(affected(() => ws.write('README.md', ws.read('README.md') + '\nscratch\n'))).toEqual([]);
    });
  });

  it('prints the dry-run plan of comfyui parents first, for each variant, and runs nothing', () => {
    const result = ws.nx('run', 'comfyui:docker-build', '--dry-run');
    expect(result.code, result.output).toBe(0);
    const commands = lines(result.stdout).filter((l) => l.startsWith('docker build'));
    const images = commands.map((c) => /--tag vastai\/([a-z-]+):build-/.exec(c)![1]);
    const firstOf = (repo: string) => images.indexOf(repo);
    const lastOf = (repo: string) => images.lastIndexOf(repo);
    expect(lastOf('base-image')).toBeLessThan(firstOf('pytorch'));
    expect(lastOf('pytorch')).toBeLessThan(firstOf('comfy'));
    expect(images.filter((i) => i === 'comfy')).toHaveLength(2);
    // Each child names its parent's content-addressed tag, which the parent's command builds.
    for (const command of commands.filter((c) => c.includes('PARENT_IMAGE='))) {
      const parentTag = /PARENT_IMAGE=(\S+)/.exec(command)![1];
      expect(commands.some((c) => c.includes(`--tag ${parentTag} `))).toBe(true);
    }
  });

  it('a manual build: --arg COMFYUI_REF changes the content tag, the dry-run shows it; an unknown arg is refused', () => {
    const comfyTags = (output: string) => [...output.matchAll(/--tag (vastai\/comfy:build-[0-9a-f]{12}) /g)].map((m) => m[1]);
    const plain = ws.nx('run', 'comfyui:docker-build', '--dry-run', '--excludeTaskDependencies');
    const manual = ws.nx(
      'run',
      'comfyui:docker-build',
      '--dry-run',
      '--excludeTaskDependencies',
      '--arg',
      'COMFYUI_REF=v0.4.0',
      '--tag',
      'try',
      '--variants',
      'cuda-12.9-py312',
    );
    expect(manual.code, manual.output).toBe(0);
    expect(manual.stdout).toContain('# manual build: --arg COMFYUI_REF=v0.4.0 (in the content hash; no version tag');
    expect(manual.stdout).toContain('--build-arg COMFYUI_REF=v0.4.0');
    expect(manual.stdout).toContain('--tag vastai/comfy:try-cuda-12.9-py312');
    expect(manual.stdout).not.toContain('vastai/comfy:1.0.0-cuda-12.9-py312');
    expect(comfyTags(manual.stdout)).toHaveLength(1);
    expect(comfyTags(plain.stdout)).toHaveLength(2);
    expect(comfyTags(plain.stdout)).not.toContain(comfyTags(manual.stdout)[0]);

    const unknown = ws.nx('run', 'comfyui:docker-build', '--dry-run', '--excludeTaskDependencies', '--arg', 'COMFY_REF=v0.4.0');
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toMatch(
      /packages\/images\/comfyui\/image\.ts: args: 'COMFY_REF' is not a build arg of comfyui, so --arg cannot set it\. Known: .*COMFYUI_REF/,
    );
  });

  describe('project boundaries (the eslint target)', () => {
    const lintWith = (file: string, content: string, project: string) => {
      ws.write(file, content);
      try {
        return ws.nx('run', `${project}:eslint`, '--skip-nx-cache');
      } finally {
        ws.git('clean', '-qfd', '--', file);
      }
    };

    it('passes on the workspace as it is', () => {
      const result = ws.nx('run-many', '-t', 'eslint', '-p', 'bench', 'scripts', 'conventions', '--skip-nx-cache');
      expect(result.code, result.output).toBe(0);
    });
    it("fails on a deep import of the plugin's sources", () => {
      const result = lintWith('bench/deep.ts', "import { run } from '../tools/plugin/src/utils/exec';\nvoid run;\n", 'bench');
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/bench\/deep\.ts[\s\S]*Projects cannot be imported by a relative or absolute path/);
    });
    it('fails on an import the layering does not allow, even through a public entry point', () => {
      const result = lintWith('scripts/portal-probe.ts', "import { freePort } from '@vast/portal/testing';\nvoid freePort;\n", 'scripts');
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(
        /A project tagged with "type:scripts" can only depend on libs tagged with "type:plugin", "type:conventions"/,
      );
    });
  });

  describe('bad input: a clear error and a non-zero exit', () => {
    const failsWith = (project: string, edit: () => void, expected: RegExp) => {
      const before = ws.git('rev-parse', 'HEAD').trim();
      edit();
      const result = ws.nx('run', `${project}:build`, '--skip-nx-cache');
      ws.git('checkout', '-q', before, '--', '.');
      ws.git('clean', '-qfd', 'packages');
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(expected);
    };

    it('an image.ts with a missing field', () => {
      failsWith(
        'ollama',
        () => ws.edit('packages/images/ollama/image.ts', (t) => t.replace(/\n\s*description: .*\n/, '\n')),
        /packages\/images\/ollama\/image\.ts: description: is required/,
      );
    });
    it('a parent that does not exist', () => {
      failsWith(
        'ollama',
        () => ws.edit('packages/images/ollama/image.ts', (t) => t.replace("parent: 'base-image'", "parent: 'nope'")),
        /ollama\/image\.ts: parent: 'nope' is not an image project\. Use one of: /,
      );
    });
    it('a FROM cycle', () => {
      failsWith(
        'pytorch',
        () => ws.edit('packages/images/pytorch/image.ts', (t) => t.replace("parent: 'base-image'", "parent: 'comfyui'")),
        /FROM cycle: pytorch -> comfyui -> pytorch/,
      );
    });
    it('two services on one port', () => {
      failsWith(
        'ollama',
        () => ws.edit('packages/images/ollama/image.ts', (t) => t.replace('externalPort: 21434', 'externalPort: 8080')),
        /ollama\/image\.ts: services: the PORTAL_CONFIG of base-image \+ ollama: .*external port 8080/,
      );
    });
    it("a PORTAL_CONFIG label with '|'", () => {
      failsWith(
        'ollama',
        () => ws.edit('packages/images/ollama/image.ts', (t) => t.replace("label: 'Ollama API'", "label: 'Ollama|API'")),
        /ollama\/image\.ts: services: .*'\|'/,
      );
    });
    it('a parent pin in package.json that drifted from image.ts', () => {
      failsWith(
        'ollama',
        () =>
          ws.edit('packages/images/ollama/package.json', (t) => t.replace('"@vast/base-image": "1.0.0"', '"@vast/base-image": "0.9.0"')),
        /ollama\/package\.json: dependencies\.@vast\/base-image: is '0\.9\.0'; image\.ts builds FROM base-image, so pin it exactly/,
      );
    });
  });
});
