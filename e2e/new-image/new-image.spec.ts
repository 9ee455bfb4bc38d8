// A workspace that takes a new image: in a scratch copy, `nx g @vast/plugin:derivative x` with --service and
// --portal-path, its markers filled, then the checks that list the image set (golden files, generator specs, the
// workspace) run with x included and pass; lint checks the provisioning manifests x holds. No Docker engine needed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchWorkspace } from '../support/scratch-workspace';

let ws: ScratchWorkspace;

beforeAll(() => {
  ws = ScratchWorkspace.create('vast-e2e-new-image-');
});
afterAll(() => ws?.dispose());

/** The plugin's unit tests named, run in the scratch copy as `nx run plugin:test` runs them. */
function pluginTests(files: string[], env: Record<string, string> = {}) {
  return ws.run(
    join(ws.root, 'node_modules/.bin/vitest'),
    ['run', '--reporter=verbose', '--config', 'tools/plugin/vitest.config.mts', ...files],
    env,
  );
}

describe('nx g @vast/plugin:derivative x, then the workspace checks', () => {
  it('generates x with its own service name and portal path', () => {
    const result = ws.nx(
      'g',
      '@vast/plugin:derivative',
      'x',
      '--parent=base-image',
      '--port=7861',
      '--service=x-server',
      '--portal-path=/ui',
    );
    expect(result.code, result.output).toBe(0);
    const image = ws.read('packages/images/x/image.ts');
    expect(image).toContain("name: 'x-server',");
    expect(image).toContain("portal: [{ label: 'X Server', externalPort: 7861, internalPort: 17861, path: '/ui' }],");
  });

  it('lints clean once its markers are filled, the whole family with it', () => {
    ws.fillMarkers('packages/images/x/image.ts', {
      description: 'X: a small HTTP server.',
      command: 'python3 -m http.server 17861 --bind 127.0.0.1',
    });
    const result = ws.nx('run-many', '-t', 'build', 'lint');
    expect(result.code, result.output).toBe(0);
    expect(ws.read('dist/images/x/ROOT/etc/vast_boot.d/05-x-env.sh')).toContain('localhost:7861:17861:/ui:X Server');
    expect(ws.read('dist/images/x/ROOT/opt/supervisor-scripts/x-server.sh')).toContain('pty python3 -m http.server 17861');
  });

  it('lint refuses a manifest x holds (provisioning/*.yaml) naming file, line and key path, before any image is built', () => {
    const manifest = 'packages/images/x/provisioning/models.yaml';
    ws.write(
      manifest,
      [
        'version: 1',
        'downloads:',
        '  - {url: "huggingface.co/org/model", dest: /workspace/models/}',
        'services:',
        '  - {name: x-a, command: "python3 -m http.server 17870", port: 17870}',
        '  - {name: x-b, command: "python3 -m http.server 17870", port: 17870}',
        'post_comands: ["echo done"]',
        '',
      ].join('\n'),
    );
    // One run reports all three: the schema's errors and the clash across services.
    const result = ws.nx('run', 'x:lint');
    expect(result.code, result.output).not.toBe(0);
    const findings = result.output.split('\n').filter((l) => l.includes(': VL070 error: '));
    expect(findings.map((l) => l.replace(/^.*?(packages\/)/, '$1').replace(/\s+$/, ''))).toEqual([
      expect.stringMatching(
        /^packages\/images\/x\/provisioning\/models\.yaml:3: VL070 error: downloads\.0\.url: 'huggingface\.co\/org\/model' is not a URL\./,
      ),
      expect.stringMatching(/^packages\/images\/x\/provisioning\/models\.yaml:7: VL070 error: post_comands: is not a key here\./),
      expect.stringMatching(
        /^packages\/images\/x\/provisioning\/models\.yaml:6: VL070 error: services\.1\.port: 17870 is already the port of services\.0 \(x-a\)\. Give each service its own port\./,
      ),
    ]);
    // Lint reads the assembled context (nx run x:build) and the project's files; no image was built for it.
    expect(existsSync(join(ws.root, 'dist/builds/x'))).toBe(false);
    ws.edit(manifest, (text) =>
      text
        .replace('post_comands', 'post_commands')
        .replace('"huggingface.co/org/model"', 'https://huggingface.co/org/model')
        .replace('port: 17870}\n  - {name: x-b, command: "python3 -m http.server 17870", port: 17870}', 'port: 17870}'),
    );
    const clean = ws.nx('run', 'x:lint');
    expect(clean.code, clean.output).toBe(0);
  });

  it("build keeps the README's generated part on image.ts: a port changed there shows up in it", () => {
    expect(ws.read('packages/images/x/README.md')).toContain(
      "- `x-server` (supervisor program): Caddy serves it with auth on port 7861 as 'X Server' (the portal opens /ui)",
    );
    ws.edit('packages/images/x/image.ts', (text) => text.replace('externalPort: 7861', 'externalPort: 7862'));
    const result = ws.nx('run', 'x:build');
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('refreshed the generated part of packages/images/x/README.md');
    const readme = ws.read('packages/images/x/README.md');
    expect(readme).toContain('on port 7862');
    expect(readme).not.toContain('port 7861');
    ws.edit('packages/images/x/image.ts', (text) => text.replace('externalPort: 7862', 'externalPort: 7861'));
    expect(ws.nx('run', 'x:build').code).toBe(0);
  });

  it('the golden check includes x: it asks for its golden files, then holds them', () => {
    const golden = 'tools/plugin/src/executors/build/golden.spec.ts';
    const missing = pluginTests([golden]);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('no golden files for x: run UPDATE_GOLDEN=1 npx nx run plugin:test');
    expect(pluginTests([golden], { UPDATE_GOLDEN: '1' }).code).toBe(0);
    const again = pluginTests([golden]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toMatch(/x matches its golden files/);
    expect(ws.read('tools/plugin/golden/x/MODES')).toContain('generated ROOT/opt/supervisor-scripts/x-server.sh');
  });

  it('the generator specs pass with x in the family', () => {
    const result = pluginTests(['tools/plugin/src/generators']);
    expect(result.code, result.output).toBe(0);
  });

  it('the workspace lists x, built FROM base-image', () => {
    const result = ws.nx('show', 'projects');
    expect(result.code, result.output).toBe(0);
    expect(result.stdout.split('\n').map((l) => l.trim())).toContain('x');
    const graph = ws.nx('graph', '--file=graph.json');
    expect(graph.code, graph.output).toBe(0);
    const deps = JSON.parse(ws.read('graph.json')).graph.dependencies.x.map((d: { target: string }) => d.target);
    expect(deps).toContain('base-image');
  });
});
