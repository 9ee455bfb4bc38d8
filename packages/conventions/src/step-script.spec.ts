import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateStepLine, mountedStepFile, renderStepFile, renderStepRun, stepFilePath } from './step-script';
import { fakeDefinition, fakeFamily, STEP_CORPUS, STEP_CORPUS_ARGS } from './testing';
import type { StepInput } from './provisioning';

const dir = mkdtempSync(join(tmpdir(), 'vast-step-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The resolved image of a base (or derivative) whose steps are `steps`. */
function imageWith(steps: StepInput[], kind: 'base' | 'derivative' = 'base') {
  const base = fakeDefinition('base', kind === 'base' ? { steps, args: STEP_CORPUS_ARGS } : {});
  const family = fakeFamily(base, ...(kind === 'derivative' ? [fakeDefinition('derivative', { steps })] : []));
  return family.get(kind === 'base' ? 'base' : 'app')!;
}

let files = 0;
/** Runs `text` as a file with bash (plus `bashArgs`); stdout and stderr together, as a build log shows them. */
function runBash(text: string, bashArgs: string[] = [], env: Record<string, string> = {}): { output: string; status: number | null } {
  const file = join(dir, `script-${files++}.sh`);
  writeFileSync(file, text);
  const result = spawnSync('bash', ['-c', 'bash "$@" 2>&1', '-', ...bashArgs, file], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { output: result.stdout, status: result.status };
}

// Each case starts a few bash processes; on a busy machine that outlasts vitest's 5 s default.
describe('step files', { timeout: 60_000 }, () => {
  const image = imageWith(STEP_CORPUS);

  it.each(STEP_CORPUS.map((step, index) => [step.name, index] as const))(
    '%s prints what bash -euo pipefail prints for it',
    (_name, index) => {
      const expected = runBash(STEP_CORPUS[index].run, ['-euo', 'pipefail'], STEP_CORPUS_ARGS);
      expect(expected.status).toBe(0);
      expect(runBash(renderStepFile(image, index), [], STEP_CORPUS_ARGS)).toEqual(expected);
    },
  );

  it('carries the run text byte for byte between its markers', () => {
    const step = STEP_CORPUS.find((s) => s.name === 'heredocs')!;
    const text = renderStepFile(image, STEP_CORPUS.indexOf(step));
    expect(text).toContain(`, as written there:\n${step.run}\n# <<< steps[`);
    expect(text.startsWith('#!/bin/bash\n# Install step heredocs of base: ')).toBe(true);
  });

  it('stops at the first failing command', () => {
    const result = runBash(renderStepFile(imageWith([{ name: 'x', run: 'echo before\nfalse\necho after' }]), 0));
    expect(result).toEqual({ output: 'before\n', status: 1 });
  });

  it('stops at an unset variable and at a failing pipe', () => {
    expect(runBash(renderStepFile(imageWith([{ name: 'x', run: 'echo "$NOT_SET_ANYWHERE"\necho after' }]), 0)).status).not.toBe(0);
    expect(runBash(renderStepFile(imageWith([{ name: 'x', run: 'false | true\necho after' }]), 0)).output).toBe('');
  });

  it('gates a profile step so the other profile skips it', () => {
    const text = renderStepFile(imageWith([{ name: 'debs', profile: 'local', run: 'echo installing' }]), 0);
    expect(runBash(text, [], { VAST_PROFILE: 'production' })).toEqual({ output: 'step debs: local profile only, skipped\n', status: 0 });
    expect(runBash(text, [], { VAST_PROFILE: 'local' })).toEqual({ output: 'installing\n', status: 0 });
  });

  it('activates /venv/main in an image built on the base, not in the base (which creates it)', () => {
    expect(renderStepFile(imageWith([{ name: 'x', run: 'true' }], 'derivative'), 0)).toContain('\n. /venv/main/bin/activate\n');
    expect(renderStepFile(imageWith([{ name: 'x', run: 'true' }]), 0)).not.toContain('activate');
  });

  it('fails a torch-guarded step that changes the torch packages, and passes one that does not', () => {
    // A stand-in for uv: `uv pip freeze` prints what the file holds, and the step may rewrite it.
    const bin = join(dir, 'bin');
    const freeze = join(dir, 'freeze.txt');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(join(bin, 'uv'), `#!/bin/bash\ncat ${freeze}\n`);
    chmodSync(join(bin, 'uv'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const guarded = (run: string) => runBash(renderStepFile(imageWith([{ name: 'app', run, torchGuard: true }]), 0), [], env);
    writeFileSync(freeze, 'torch==2.10.0\nnumpy==2.0\n');
    expect(guarded(`echo numpy==2.1 > ${freeze}; echo torch==2.10.0 >> ${freeze}`)).toEqual({ output: '', status: 0 });
    writeFileSync(freeze, 'torch==2.10.0\n');
    const changed = guarded(`echo torch==2.9.1 > ${freeze}`);
    expect(changed.status).toBe(1);
    expect(changed.output).toBe('step app changed the torch packages:\n1c1\n< torch==2.10.0\n---\n> torch==2.9.1\n');
  });

  it('maps a line of the file back to the line of the run text, and says when a line is the wrapper', () => {
    const step = { name: 'tool', profile: 'local' as const, run: 'echo one\n# <<< steps[0].run\necho three', torchGuard: true };
    const text = renderStepFile(imageWith([{ name: 'a', run: 'true' }, step]), 1);
    const lines = text.split('\n');
    const at = (needle: string) => lines.indexOf(needle) + 1;
    expect(locateStepLine(text, at('echo one'))).toEqual({ index: 1, name: 'tool', runLine: 1 });
    expect(locateStepLine(text, at('echo three'))).toEqual({ index: 1, name: 'tool', runLine: 3 });
    expect(locateStepLine(text, at('set -euo pipefail'))).toEqual({ index: 1, name: 'tool' });
    expect(locateStepLine(text, lines.length - 1)).toEqual({ index: 1, name: 'tool' });
    expect(locateStepLine('#!/bin/bash\necho hi\n', 2)).toBeUndefined();
  });

  it('names the file after the index and name the author sees in image.ts', () => {
    expect(stepFilePath(2, { name: 'foo', run: 'x', needs: [], torchGuard: false })).toBe('steps/02-foo.sh');
  });
});

describe('the RUN of a step', () => {
  it('mounts the step file and runs it; lint reads the file back from it', () => {
    const run = renderStepRun('steps/03-foo.sh');
    expect(run).toBe('RUN --mount=type=bind,source=steps/03-foo.sh,target=/tmp/vast-step.sh bash /tmp/vast-step.sh');
    expect(mountedStepFile(run.replace(/^RUN /, ''))).toBe('steps/03-foo.sh');
    expect(mountedStepFile('apt-get update')).toBeUndefined();
    expect(mountedStepFile('--mount=type=bind,source=ROOT/x.sh,target=/x.sh bash /x.sh')).toBeUndefined();
  });
});
