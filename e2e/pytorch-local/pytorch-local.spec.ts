// pytorch for real, offline: base-image -> pytorch on Debian's CPU torch, built once in a scratch copy of the workspace
// and reused by every check here. Its smoke passes with torch imported in /venv/main; a family run builds what the
// local profile can and names what it skips; a local derivative of pytorch reads the parent's torch from its variant
// facts and ENV without importing pytorch's image.ts; and the torch guard fails a step that changes torch.
// Everything runs in the scratch copy (the derivatives must not touch the checkout), so its builds are what they
// build FROM: a scratch's portal bundle embeds other module paths than the checkout's, so the checkout's base-image
// build tags would not match anyway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCommand, run } from '@vast/plugin/testing';
import { ScratchWorkspace } from '../support/scratch-workspace';
import { ensureLocalRoot } from '../support/local-base-image';

/** Everything this suite adds to the shared engine is tagged under this repository prefix, and removed at the end. */
const PREFIX = 'pytorch-local-e2e';
const ownImages = new Set<string>();
let ws: ScratchWorkspace;

beforeAll(() => {
  ws = ScratchWorkspace.create(`${PREFIX}-`);
}, 60_000);

beforeAll(async () => {
  await ensureLocalRoot();
  const started = Date.now();
  const result = ws.nx('run', 'pytorch:docker-build', '-c', 'local');
  expect(result.code, result.output.split('\n').slice(-60).join('\n')).toBe(0);
  // Debian's torch is a few hundred MB of packages: the figure CI pays once (a few seconds when the build tags exist).
  console.log(`pytorch:docker-build -c local (base-image first): ${((Date.now() - started) / 1000).toFixed(0)}s`);
});

afterAll(async () => {
  for (const image of ownImages) await run(dockerCommand(), ['rmi', '--force', image], { reject: false });
  ws?.dispose();
});

/** docker-build -c local of a scratch project; the tags it made join the images removed at the end. */
function buildLocal(project: string) {
  const result = ws.nx('run', `${project}:docker-build`, '-c', 'local');
  for (const tag of result.output.match(new RegExp(`${PREFIX}/${project}:[\\w.-]+`, 'g')) ?? []) ownImages.add(tag);
  return result;
}

/** A derivative of pytorch generated in the scratch workspace, with `steps` put into its image.ts. */
function derivativeOfPytorch(name: string, port: number, steps: string): void {
  const generated = ws.nx(
    'g',
    '@vast/plugin:derivative',
    name,
    '--parent=pytorch',
    `--port=${port}`,
    `--repository=${PREFIX}/${name}`,
    `--description=${name}: a child of pytorch.`,
    `--command=python3 -m http.server ${port + 10000} --bind 127.0.0.1`,
  );
  expect(generated.code, generated.output).toBe(0);
  ws.edit(`packages/images/${name}/image.ts`, (text) => text.replace(/(\n  repository: .*\n)/, `$1  steps: ${steps},\n`));
}

async function inImage(image: string, argv: string[]): Promise<string> {
  const result = await run(dockerCommand(), ['run', '--rm', '--entrypoint', argv[0], image, ...argv.slice(1)], { reject: false });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('pytorch local variant', () => {
  it('nx run pytorch:smoke -c local boots it; torch imports in /venv/main', () => {
    const result = ws.nx('run', 'pytorch:smoke', '-c', 'local');
    const output = result.output;
    expect(result.code, output).toBe(0);
    expect(output).toMatch(/PASS\s+torch-in-main-venv[^\n]*\n[^\n]*torch 1\.13/);
    expect(output).toMatch(/PASS\s+torch-facts-in-env[^\n]*\n[^\n]*PYTORCH_VERSION=1\.13\.1 PYTORCH_BACKEND=cpu/);
  });

  it('a family run builds what builds offline and names, one line each, the images it skips', () => {
    const result = ws.nx('run-many', '-t', 'docker-build', '-c', 'local');
    expect(result.code, result.output).toBe(0);
    for (const image of ['comfyui', 'vllm', 'ollama']) expect(result.output).toContain(`skipped: ${image} has no local variant`);
    expect(result.output).not.toContain('skipped: pytorch');
    expect(JSON.parse(ws.read('dist/builds/pytorch/build-result.json'))).toMatchObject({ profile: 'local', variants: [{ key: 'local' }] });
  });

  it('an image named on its own still fails with no variant for the profile', () => {
    const result = ws.nx('run', 'vllm:docker-build', '-c', 'local');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('vllm has no local variant');
    expect(result.output).not.toContain('skipped: vllm');
  });

  it("a local derivative sees pytorch's torch in its variant facts, build args and ENV, importing nothing of pytorch", async () => {
    // The step fails the build unless the parent's facts reached it as build args.
    derivativeOfPytorch(
      'torch-child',
      7870,
      `[{ name: 'facts', run: 'test "\${PYTORCH_VERSION}/\${PYTORCH_BACKEND}/\${PYTHON_VERSION}" = 1.13.1/cpu/3.11' }]`,
    );
    const source = ws.read('packages/images/torch-child/image.ts');
    expect(source).not.toMatch(/pytorch\/image|torch: /);
    expect(source).toContain("{ key: 'local', parent: 'local', local: true }");
    const built = buildLocal('torch-child');
    expect(built.code, built.output).toBe(0);
    const manifest = JSON.parse(ws.read('dist/images/torch-child/image.json'));
    expect(manifest.variants.find((v: { key: string }) => v.key === 'local')).toMatchObject({
      torch: '1.13.1',
      torchBackend: 'cpu',
      python: '3.11',
    });
    const tag = JSON.parse(ws.read('dist/builds/torch-child/build-result.json')).variants[0].buildTag as string;
    ownImages.add(tag);
    expect(await inImage(tag, ['printenv', 'PYTORCH_VERSION', 'PYTORCH_BACKEND', 'PYTHON_VERSION'])).toBe('1.13.1\ncpu\n3.11');
    expect(await inImage(tag, ['/venv/main/bin/python', '-c', 'import torch; print(torch.ones(3).sum().item())'])).toBe('3.0');
  });

  it('the torch guard fails a step that changes torch, and shows what changed', () => {
    derivativeOfPytorch(
      'torch-breaker',
      7880,
      `[{ name: 'breaks-torch', torchGuard: true, run: 'dpkg --remove --force-depends python3-torchaudio' }]`,
    );
    const result = buildLocal('torch-breaker');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('step breaks-torch changed the torch packages');
    expect(result.output).toMatch(/< torchaudio==0\.13\.1/);
  });
});
