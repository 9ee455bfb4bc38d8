import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderDockerfile, renderRunScript, renderStepScript, variantBuildArgs } from './dockerfile';
import { parseDockerfile } from './lint/dockerfile-parser';
import { fakeDefinition, fakeFamily } from './testing';

/** What bash would run for a RUN instruction (Docker joins backslash-newlines). */
const joined = (lines: string[]) => lines.join('\n').replace(/^RUN /, '').replace(/\\\n/g, '');

describe('renderRunScript', () => {
  it('joins a multi-line script into one RUN that bash parses and runs', () => {
    const script = renderStepScript(
      {
        name: 'demo',
        run: 'for x in a b; do\n  echo "$x"\ndone\nif [[ -n "1" ]]; then\n  echo yes\nelse\n  echo no\nfi\nprintf "%s\\n" \\\n  one two\necho a | tr a b',
        needs: [],
        torchGuard: false,
      },
      { activateVenv: false },
    );
    const lines = renderRunScript(script);
    expect(lines[0]).toBe('RUN set -euo pipefail; \\');
    const out = execFileSync('bash', ['-c', joined(lines)], { encoding: 'utf8' });
    expect(out).toBe('a\nb\nyes\none\ntwo\nb\n');
  });

  it('stops at the first failing command (errexit survives the joining)', () => {
    const lines = renderRunScript(renderStepScript({ name: 'x', run: 'false\necho after', needs: [], torchGuard: false }, { activateVenv: false }));
    expect(() => execFileSync('bash', ['-c', joined(lines)], { encoding: 'utf8', stdio: 'pipe' })).toThrow();
  });

  it('gates a profile step so the other profile skips it', () => {
    const lines = renderRunScript(renderStepScript({ name: 'debs', profile: 'local', run: 'echo installing', needs: [], torchGuard: false }, { activateVenv: false }));
    expect(execFileSync('bash', ['-c', `VAST_PROFILE=production; ${joined(lines)}`], { encoding: 'utf8' })).toBe('step debs: local profile only, skipped\n');
    expect(execFileSync('bash', ['-c', `VAST_PROFILE=local; ${joined(lines)}`], { encoding: 'utf8' })).toBe('installing\n');
  });

  it('wraps torch-guarded steps in a before/after comparison that fails on change', () => {
    const script = renderStepScript({ name: 'app', run: 'uv pip install thing', needs: [], torchGuard: true }, { activateVenv: true });
    expect(script.split('\n')[2]).toMatch(/^torch_versions_pre=/);
    expect(script).toContain('[[ "$torch_versions_pre" == "$torch_versions_post" ]] || {');
  });
});

describe('renderDockerfile', () => {
  const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'), fakeDefinition('external'));

  it('base: FROM ${BASE_IMAGE}, three LABELs, installs before the overlay, env-hash, entrypoint', () => {
    const text = renderDockerfile(family.get('base')!);
    const keywords = parseDockerfile(text).map((i) => i.keyword);
    expect(keywords).toEqual(['ARG', 'FROM', 'LABEL', 'SHELL', 'ARG', 'ENV', 'RUN', 'COPY', 'COPY', 'RUN', 'ENTRYPOINT', 'CMD']);
    expect(text).toContain('FROM ${BASE_IMAGE}');
    expect(text).toContain('COPY ./ROOT /opt/vast-base/ROOT');
    expect(text.trimEnd().endsWith('RUN env-hash > /.env_hash\n\nENTRYPOINT ["/opt/instance-tools/bin/entrypoint.sh"]\nCMD []')).toBe(true);
  });

  it('derivative: FROM ${PARENT_IMAGE}, supersedes the parent boot env script, no entrypoint', () => {
    const text = renderDockerfile(family.get('app')!);
    expect(text).toContain('ARG PARENT_IMAGE\nFROM ${PARENT_IMAGE}');
    expect(text).toContain('RUN rm -f /etc/vast_boot.d/05-base-env.sh; \\\n    env-hash > /.env_hash');
    expect(text).not.toContain('ENTRYPOINT');
  });

  it('external: base stage first, upstream second, graft, app overlay, entrypoint', () => {
    const text = renderDockerfile(family.get('ext')!);
    const froms = parseDockerfile(text).filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(froms).toEqual(['${VAST_BASE} AS vast_base_image', '${UPSTREAM_IMAGE}']);
    const order = ['COPY --from=vast_base_image /opt/vast-base /opt/vast-base', '/opt/vast-base/graft.sh', 'COPY ./ROOT /', 'env-hash > /.env_hash', 'ENTRYPOINT'];
    const positions = order.map((s) => text.indexOf(s));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('copies what a step needs just before it, so other overlay edits keep its layer', () => {
    const base = fakeDefinition('base', { steps: [{ name: 'tool', run: '/opt/x/setup.sh', needs: ['opt/x/setup.sh'] }] });
    const text = renderDockerfile(fakeFamily(base).get('base')!);
    expect(text).toContain('COPY ./ROOT/opt/x/setup.sh /opt/x/setup.sh\nRUN set -euo pipefail; \\\n    /opt/x/setup.sh');
  });

  it('derives build args from variant facts, the variant overriding', () => {
    const def = fakeDefinition('derivative', { args: { A: '1' } });
    expect(variantBuildArgs({ definition: def, ancestors: [] }, { ...def.variants[0], torch: '2.10.0', torchBackend: 'cu128', python: '3.12', args: { A: '2' } })).toEqual({
      A: '2',
      PYTHON_VERSION: '3.12',
      PYTORCH_VERSION: '2.10.0',
      PYTORCH_BACKEND: 'cu128',
    });
  });
});
