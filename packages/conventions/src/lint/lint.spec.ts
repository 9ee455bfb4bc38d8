import { describe, expect, it } from 'vitest';
import { renderContextFiles } from '../context';
import { fakeDefinition, fakeFamily } from '../testing';
import { LINT_RULES, lintContext, type LintContext, type LintFile } from './index';

const HEADER = '#!/bin/bash\n# Does a thing at boot.\n';

/** A clean assembled context of the fake family's derivative (or another class), plus a tiny hand-written overlay. */
function cleanContext(kind: 'base' | 'derivative' | 'external' = 'derivative'): LintContext {
  const family = fakeFamily(fakeDefinition('base'), fakeDefinition('derivative'), fakeDefinition('external'));
  const name = { base: 'base', derivative: 'app', external: 'ext' }[kind];
  const image = family.get(name)!;
  const files: LintFile[] = [
    ...renderContextFiles(image),
    { path: 'ROOT/opt/instance-tools/bin/tool.sh', content: `${HEADER}set -euo pipefail\necho hi\n`, mode: 0o755 },
  ];
  return { image: name, class: image.definition.class, source: image.file, files, torchInParent: false };
}

function mutate(context: LintContext, path: string, edit: (file: LintFile) => LintFile): LintContext {
  return { ...context, files: context.files.map((f) => (f.path === path ? edit(f) : f)) };
}
const editDockerfile = (context: LintContext, edit: (text: string) => string) => mutate(context, 'Dockerfile', (f) => ({ ...f, content: edit(f.content) }));
const codes = (context: LintContext) => lintContext(context).map((f) => f.code);

describe('lint rules', () => {
  it('finds nothing in clean contexts of every class', () => {
    for (const kind of ['base', 'derivative', 'external'] as const) expect(lintContext(cleanContext(kind))).toEqual([]);
  });

  it('has stable, unique codes', () => {
    const all = LINT_RULES.map((r) => r.code);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((c) => /^VL\d{3}$/.test(c))).toBe(true);
  });

  // One mutant per rule: the smallest edit that breaks the invariant must make exactly that rule fire.
  const mutants: Array<[string, () => LintContext]> = [
    ['VL001', () => editDockerfile(cleanContext(), (t) => t.replace(/ \\\n\s+maintainer=.*\n/, '\n'))],
    ['VL002', () => editDockerfile(cleanContext('base'), (t) => t.replace('ENTRYPOINT', 'USER user\nENTRYPOINT'))],
    ['VL003', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'COPY ./ROOT /\nCOPY ./ROOT /\n'))],
    ['VL004', () => editDockerfile(cleanContext(), (t) => t.replace('FROM ${PARENT_IMAGE}', 'FROM ubuntu:24.04'))],
    ['VL005', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'ENV LEGACY value\nCOPY ./ROOT /\n'))],
    ['VL010', () => mutate(cleanContext(), 'ROOT/etc/supervisor/conf.d/app.conf', (f) => ({ ...f, content: f.content.replace('[program:app]', '[program:other]') }))],
    ['VL011', () => mutate(cleanContext(), 'ROOT/opt/supervisor-scripts/app.sh', (f) => ({ ...f, content: f.content.replace('. /opt/supervisor-scripts/utils/logging.sh\n', '').replace("exit_portal.sh 'App'\n", "exit_portal.sh 'App'\n. /opt/supervisor-scripts/utils/logging.sh\n") }))],
    ['VL012', () => mutate(cleanContext(), 'ROOT/opt/supervisor-scripts/app.sh', (f) => ({ ...f, mode: 0o644 }))],
    ['VL020', () => ({ ...editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN uv pip install thing\nCOPY ./ROOT /\n')), torchInParent: true })],
    ['VL021', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN uv pip install torch --torch-backend auto\nCOPY ./ROOT /\n'))],
    ['VL022', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN pip install thing\nCOPY ./ROOT /\n'))],
    ['VL023', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN apt-get install -y "cuda-nvcc-${CUDA_VERSION/./-}"\nCOPY ./ROOT /\n'))],
    ['VL030', () => mutate(cleanContext(), 'ROOT/etc/vast_boot.d/05-app-env.sh', (f) => ({ ...f, content: f.content.replace(':App', ':App|Two') }))],
    ['VL040', () => mutate(cleanContext(), 'ROOT/opt/instance-tools/bin/tool.sh', (f) => ({ ...f, content: f.content + 'echo CHANGEME\n' }))],
    ['VL053', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN hf download org/model model.safetensors\nCOPY ./ROOT /\n'))],
    ['VL060', () => mutate(cleanContext(), 'ROOT/opt/instance-tools/bin/tool.sh', (f) => ({ ...f, content: '#!/bin/sh\necho hi\n' }))],
  ];

  it('covers every rule with a mutant', () => {
    expect(mutants.map(([code]) => code).sort()).toEqual(LINT_RULES.map((r) => r.code).sort());
  });

  it.each(mutants)('%s fires on its mutant, and only it', (code, make) => {
    expect(codes(make())).toEqual([code]);
  });

  it('names the file, the line and the fix', () => {
    const finding = lintContext(mutants.find(([c]) => c === 'VL021')![1]())[0];
    expect(finding).toMatchObject({ file: 'Dockerfile', severity: 'error' });
    expect(finding.line).toBeGreaterThan(1);
    expect(finding.message).toContain('PYTORCH_BACKEND');
  });
});
