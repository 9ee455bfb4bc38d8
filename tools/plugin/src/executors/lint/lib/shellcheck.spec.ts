// The shell checks of the install steps, with the real bash and shellcheck over a real assembled context: one mutant
// per kind of finding, each reported against the step in image.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFinding, lintContext, type LintFinding } from '@vast/conventions';
import { fakeDefinition, fakeFamily } from '@vast/conventions/testing';
import { assembleContext } from '../../../lib/assemble-context';
import { readLintContext } from './read-context';
import { runShellcheck, runStepChecks } from './shellcheck';

const root = mkdtempSync(join(tmpdir(), 'vast-step-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let contexts = 0;
/** Assembles a derivative (ENV APP_HOME; its parent sets WORKSPACE) whose one step runs `run`, and lints it. */
async function lintStep(run: string): Promise<{ rules: LintFinding[]; overlay: LintFinding[]; steps: LintFinding[] }> {
  const family = fakeFamily(
    fakeDefinition('base'),
    fakeDefinition('derivative', {
      env: { APP_HOME: '/opt/app' },
      steps: [
        { name: 'setup', run: 'true' },
        { name: 'probe', run },
      ],
    }),
  );
  const image = family.get('app')!;
  const contextDir = join(root, `context-${contexts++}`);
  const { manifest } = assembleContext(root, image, { contextDir, skipArtifacts: true });
  const context = readLintContext(contextDir, manifest, image);
  return {
    rules: lintContext(context),
    overlay: await runShellcheck(contextDir, context),
    steps: await runStepChecks(contextDir, context),
  };
}

const shown = (findings: LintFinding[]) =>
  findings.map((f) => formatFinding('dist/images/app', f).replace(/ \(dist\/images\/app\/steps\/.*\)$/, ''));

describe('step shell checks', () => {
  it('pass a clean step that reads declared names: own ENV, the parent ENV, build args, what the build provides', async () => {
    const { rules, overlay, steps } = await lintStep(
      'echo "${APP_HOME} ${WORKSPACE} ${VAST_PROFILE} ${VIRTUAL_ENV} ${HOME}"\necho "${OPTIONAL_THING:-}"',
    );
    expect([...rules, ...overlay, ...steps]).toEqual([]);
  });

  it('find an unassigned variable that every other check passes (issue 16)', async () => {
    const { rules, overlay, steps } = await lintStep('if [ $undefined_var = x ]; then\n  echo yes\nfi');
    // What lint ran before step checks existed: the rules and the overlay's shellcheck. Both are silent.
    expect([...rules, ...overlay]).toEqual([]);
    expect(shown(steps)).toEqual([
      'packages/images/app/image.ts steps[1] (name "probe") line 1: VL091 error: SC2154: undefined_var is referenced but not assigned. (https://www.shellcheck.net/wiki/SC2154)',
    ]);
  });

  it('report an upper-case variable that no ARG, ENV, parent ENV or build-provided name declares as VL092', async () => {
    const { steps } = await lintStep('mkdir -p /opt/app\ncp -r /tmp/x "${MODEL_DIR}/"');
    expect(steps.map((f) => [f.code, f.at])).toEqual([['VL092', 'packages/images/app/image.ts steps[1] (name "probe") line 2']]);
    expect(steps[0].message).toContain('${MODEL_DIR}');
  });

  it('report what bash -n rejects, at the step line', async () => {
    const { steps } = await lintStep('echo start\nif true; then\n  echo never closed');
    const syntax = steps.filter((f) => f.message.startsWith('bash -n:'));
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax.every((f) => f.code === 'VL091' && f.at?.startsWith('packages/images/app/image.ts steps[1] (name "probe")'))).toBe(true);
  });

  it('report a heredoc that runs to the end of the script (it would swallow the torch check after it)', async () => {
    const { steps } = await lintStep("cat > /etc/x <<'EOF'\nnever closed");
    expect(steps.some((f) => f.code === 'VL091' && /bash -n: .*here-document/.test(f.message))).toBe(true);
  });
});
