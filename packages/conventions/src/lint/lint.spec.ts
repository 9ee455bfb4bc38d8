import { describe, expect, it } from 'vitest';
import { renderContextFiles } from '../context';
import { fakeDefinition, fakeFamily } from '../testing';
import {
  declaredStepNames,
  formatFinding,
  LINT_RULES,
  lintContext,
  stepShellcheckFindings,
  bashSyntaxFindings,
  type LintContext,
  type LintFile,
  type ShellcheckComment,
} from './index';
import { runsPipedDownload } from './rules/vl023-piped-download';
import type { PortalEntry } from '../schema';

const HEADER = '#!/bin/bash\n# Does a thing at boot.\n';

/** A clean assembled context of the fake family's derivative (or another class), plus a tiny hand-written overlay. */
function cleanContext(kind: 'base' | 'derivative' | 'external' = 'derivative', overrides: Record<string, unknown> = {}): LintContext {
  const family = fakeFamily(
    fakeDefinition('base'),
    fakeDefinition('derivative', kind === 'derivative' ? overrides : {}),
    fakeDefinition('external'),
  );
  const name = { base: 'base', derivative: 'app', external: 'ext' }[kind];
  const image = family.get(name)!;
  const files: LintFile[] = [
    ...renderContextFiles(image),
    { path: 'ROOT/opt/instance-tools/bin/tool.sh', content: `${HEADER}set -euo pipefail\necho hi\n`, mode: 0o755 },
  ];
  return {
    image: name,
    class: image.definition.class,
    source: image.file,
    files,
    torchInParent: false,
    inheritedEnv: [],
    portalEntries: image.portalEntries,
  };
}

function mutate(context: LintContext, path: string, edit: (file: LintFile) => LintFile): LintContext {
  return { ...context, files: context.files.map((f) => (f.path === path ? edit(f) : f)) };
}
const editDockerfile = (context: LintContext, edit: (text: string) => string) =>
  mutate(context, 'Dockerfile', (f) => ({ ...f, content: edit(f.content) }));
const codes = (context: LintContext) => lintContext(context).map((f) => f.code);
/** The derivative's default PORTAL_CONFIG with one more entry appended. */
const withEntry = (context: LintContext, entry: string) =>
  mutate(context, 'ROOT/etc/vast_boot.d/05-app-env.sh', (f) => ({ ...f, content: f.content.replace(':My App', `:My App|${entry}`) }));
const DIRECT: PortalEntry = { label: 'Direct', externalPort: 9000, internalPort: 9000, path: '/', hostname: 'localhost' };
/** A context whose image.ts declares the direct entry public. */
const declaring = (context: LintContext, entry: PortalEntry): LintContext => ({
  ...context,
  portalEntries: [...(context.portalEntries ?? []), entry],
});

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
    [
      'VL006',
      () => ({
        ...cleanContext('base'),
        variants: [
          { key: 'stock-ubuntu24.04-py312', from: 'ubuntu:24.04', python: '3.12', args: {}, local: false },
          {
            key: 'cuda-12.8.1-ubuntu24.04-py312',
            from: 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04',
            cuda: '12.8',
            python: '3.12',
            args: {},
            local: false,
          },
          { key: 'local', from: 'vast-local/bookworm:latest', python: '3.11', args: {}, local: true },
        ],
      }),
    ],
    [
      'VL010',
      () =>
        mutate(cleanContext(), 'ROOT/etc/supervisor/conf.d/app.conf', (f) => ({
          ...f,
          content: f.content.replace('[program:app]', '[program:other]'),
        })),
    ],
    [
      'VL011',
      () =>
        mutate(cleanContext(), 'ROOT/opt/supervisor-scripts/app.sh', (f) => ({
          ...f,
          content: f.content
            .replace('. /opt/supervisor-scripts/utils/logging.sh\n', '')
            .replace("exit_portal.sh 'My App'\n", "exit_portal.sh 'My App'\n. /opt/supervisor-scripts/utils/logging.sh\n"),
        })),
    ],
    ['VL012', () => mutate(cleanContext(), 'ROOT/opt/supervisor-scripts/app.sh', (f) => ({ ...f, mode: 0o644 }))],
    [
      'VL020',
      () => ({
        ...editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN uv pip install thing\nCOPY ./ROOT /\n')),
        torchInParent: true,
      }),
    ],
    [
      'VL021',
      () =>
        editDockerfile(cleanContext(), (t) =>
          t.replace('COPY ./ROOT /\n', 'RUN uv pip install torch --torch-backend auto\nCOPY ./ROOT /\n'),
        ),
    ],
    ['VL022', () => editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN pip install thing\nCOPY ./ROOT /\n'))],
    [
      'VL023',
      () =>
        editDockerfile(cleanContext(), (t) =>
          t.replace('COPY ./ROOT /\n', 'RUN curl -LsSf https://example.invalid/install.sh | env PREFIX=/usr/local sh\nCOPY ./ROOT /\n'),
        ),
    ],
    [
      'VL024',
      () =>
        editDockerfile(cleanContext(), (t) =>
          t.replace('COPY ./ROOT /\n', 'RUN apt-get install -y "cuda-nvcc-${CUDA_VERSION/./-}"\nCOPY ./ROOT /\n'),
        ),
    ],
    [
      'VL030',
      () =>
        mutate(cleanContext(), 'ROOT/etc/vast_boot.d/05-app-env.sh', (f) => ({
          ...f,
          content: f.content.replace(':My App', ':My App|Two'),
        })),
    ],
    ['VL031', () => withEntry(cleanContext(), 'localhost:9000:9000:/:Direct')],
    ['VL032', () => declaring(withEntry(cleanContext(), 'localhost:9000:9000:/:Direct'), { ...DIRECT, public: true })],
    [
      'VL040',
      () => mutate(cleanContext(), 'ROOT/opt/instance-tools/bin/tool.sh', (f) => ({ ...f, content: f.content + 'echo CHANGEME\n' })),
    ],
    [
      'VL053',
      () =>
        editDockerfile(cleanContext(), (t) => t.replace('COPY ./ROOT /\n', 'RUN hf download org/model model.safetensors\nCOPY ./ROOT /\n')),
    ],
    ['VL060', () => mutate(cleanContext(), 'ROOT/opt/instance-tools/bin/tool.sh', (f) => ({ ...f, content: '#!/bin/sh\necho hi\n' }))],
    [
      'VL070',
      () => {
        const context = cleanContext();
        return {
          ...context,
          files: [...context.files, { path: 'ROOT/provisioning.yaml', content: 'version: 1\ndownlods: []\n', mode: 0o644 }],
        };
      },
    ],
  ];

  it('covers every rule with a mutant', () => {
    expect(mutants.map(([code]) => code).sort()).toEqual(LINT_RULES.map((r) => r.code).sort());
  });

  it.each(mutants)('%s fires on its mutant, and only it', (code, make) => {
    expect(codes(make())).toEqual([code]);
  });

  it("VL004 fires on an external image that runs graft.sh without the graft's package half first", () => {
    const without = editDockerfile(cleanContext('external'), (t) => t.replace(/^RUN \["\/opt\/vast-base\/graft-packages\.sh"\]\n/m, ''));
    expect(codes(without)).toEqual(['VL004']);
  });

  describe('direct entries (no Caddy site, so no authentication)', () => {
    it('VL031 names the port and the fix: public: true in image.ts, or an internal port of its own', () => {
      const [finding] = lintContext(withEntry(cleanContext(), 'localhost:9000:9000:/:Direct'));
      expect(finding).toMatchObject({ code: 'VL031', severity: 'error', file: 'ROOT/etc/vast_boot.d/05-app-env.sh' });
      expect(finding.message).toBe(
        'PORTAL_CONFIG: port 9000 ("Direct") is a direct entry with no Caddy site: anyone who reaches the port gets in without authentication. ' +
          'If that is meant, set public: true on its entry in packages/images/app/image.ts; otherwise give it an internal port of its own (e.g. 19000) so Caddy serves it with auth.',
      );
    });

    it('VL032 still names the port as a warning when image.ts opts in', () => {
      const findings = lintContext(declaring(withEntry(cleanContext(), 'localhost:9000:9000:/:Direct'), { ...DIRECT, public: true }));
      expect(findings).toEqual([
        expect.objectContaining({
          code: 'VL032',
          severity: 'warning',
          message: 'PORTAL_CONFIG: port 9000 ("Direct") is served without authentication (public: true in packages/images/app/image.ts).',
        }),
      ]);
    });

    it('an entry declared without public: true does not count as opted in', () => {
      expect(codes(declaring(withEntry(cleanContext(), 'localhost:9000:9000:/:Direct'), DIRECT))).toEqual(['VL031']);
    });

    it("leaves a direct entry that links into a proxied site alone (base-image's Jupyter Terminal on Jupyter's 8080)", () => {
      expect(codes(withEntry(cleanContext(), 'localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal'))).toEqual(
        [],
      );
    });
  });

  it('names the file, the line and the fix', () => {
    const finding = lintContext(mutants.find(([c]) => c === 'VL021')![1]())[0];
    expect(finding).toMatchObject({ file: 'Dockerfile', severity: 'error' });
    expect(finding.line).toBeGreaterThan(1);
    expect(finding.message).toContain('PYTORCH_BACKEND');
  });
});

describe('VL023: a download run as it arrives', () => {
  it.each([
    'curl -LsSf https://astral.sh/uv/install.sh | env UV_UNMANAGED_INSTALL=/usr/local/bin sh',
    'wget -qO- https://example.invalid/i.sh | sudo bash',
    'bash <(curl -fsSL https://example.invalid/i.sh)',
    'sh -c "$(curl -fsSL https://example.invalid/i.sh)"',
  ])('flags %s', (command) => expect(runsPipedDownload(command)).toBe(true));

  it.each([
    'curl -fsSL -o /tmp/uv.tar.gz https://example.invalid/uv.tar.gz',
    'echo "${uv_sha256}  /tmp/uv.tar.gz" | sha256sum --check --strict -',
    'curl -s http://127.0.0.1:1111/ | grep -q portal',
    'fetch-script PROVISIONING_SCRIPT "$script" 2>&1 | tee -a "$log"',
  ])('leaves %s alone', (command) => expect(runsPipedDownload(command)).toBe(false));

  it('also looks at the shell scripts of the overlay, naming the file and line', () => {
    const context = mutate(cleanContext(), 'ROOT/opt/instance-tools/bin/tool.sh', (f) => ({
      ...f,
      content: `${f.content}curl -s https://example.invalid/x | bash\n`,
    }));
    expect(lintContext(context)).toEqual([
      expect.objectContaining({ code: 'VL023', file: 'ROOT/opt/instance-tools/bin/tool.sh', line: 5 }),
    ]);
  });
});

describe('findings in step scripts', () => {
  const steps = [{ name: 'deps', run: 'apt-get update\npip install thing\n# pip install in a comment is prose' }];
  const context = () => cleanContext('derivative', { steps, env: { APP_HOME: '/opt/app' } });

  it('rules read the script a RUN mounts, and report the step and line in image.ts', () => {
    const [finding] = lintContext(context());
    expect(finding).toMatchObject({
      code: 'VL022',
      file: 'steps/00-deps.sh',
      at: 'packages/images/app/image.ts steps[0] (name "deps") line 2',
    });
    const line = context()
      .files.find((f) => f.path === 'steps/00-deps.sh')!
      .content.split('\n')[finding.line! - 1];
    expect(line).toBe('pip install thing');
    expect(formatFinding('dist/images/app', finding)).toBe(
      `packages/images/app/image.ts steps[0] (name "deps") line 2: VL022 warning: ${finding.message} (dist/images/app/steps/00-deps.sh:${finding.line})`,
    );
  });

  it('VL023 and VL024 read the step scripts too, each line where image.ts has it', () => {
    const run = ['apt-get update', 'curl -fsSL https://example.invalid/i.sh | sh', 'apt-get install -y "cuda-nvcc-${CUDA_VERSION/./-}"'];
    const findings = lintContext(cleanContext('derivative', { steps: [{ name: 'tools', run: run.join('\n') }] }));
    expect(findings.map((f) => `${f.code} ${f.file} ${f.at}`)).toEqual([
      'VL023 steps/00-tools.sh packages/images/app/image.ts steps[0] (name "tools") line 2',
      'VL024 steps/00-tools.sh packages/images/app/image.ts steps[0] (name "tools") line 3',
    ]);
  });

  it('declares the final stage ARGs and ENV, the chain ENV and what the build provides', () => {
    const names = declaredStepNames({ ...context(), inheritedEnv: ['WORKSPACE'] });
    for (const name of ['VAST_PROFILE', 'APP_HOME', 'WORKSPACE', 'PATH', 'VIRTUAL_ENV']) expect(names.has(name), name).toBe(true);
    expect(names.has('PARENT_IMAGE')).toBe(false);
    expect(declaredStepNames(cleanContext('base')).has('VIRTUAL_ENV')).toBe(false);
  });

  it('turns shellcheck comments into VL091, an undeclared upper-case name into VL092, and drops declared names', () => {
    const comment = (line: number, code: number, message: string): ShellcheckComment => ({
      file: 'steps/00-deps.sh',
      line,
      level: 'warning',
      code,
      message,
    });
    const lint = context();
    const bodyStart =
      lint.files
        .find((f) => f.path === 'steps/00-deps.sh')!
        .content.split('\n')
        .indexOf('apt-get update') + 1;
    const findings = stepShellcheckFindings(lint, [
      comment(bodyStart, 2154, 'APP_HOME is referenced but not assigned.'),
      comment(bodyStart, 2154, 'MODEL_DIR is referenced but not assigned.'),
      comment(bodyStart + 1, 2154, 'lower is referenced but not assigned.'),
    ]);
    expect(findings.map((f) => `${f.code} ${f.at}`)).toEqual([
      'VL092 packages/images/app/image.ts steps[0] (name "deps") line 1',
      'VL091 packages/images/app/image.ts steps[0] (name "deps") line 2',
    ]);
    expect(findings[0].message).toContain('${MODEL_DIR:-}');
    expect(findings[1].message).toBe('SC2154: lower is referenced but not assigned. (https://www.shellcheck.net/wiki/SC2154)');
  });

  it('reads bash -n output line by line', () => {
    const lint = context();
    const stderr = "steps/00-deps.sh: line 5: syntax error near unexpected token `fi'\nsteps/00-deps.sh: line 5: `fi'";
    expect(bashSyntaxFindings(lint, 'steps/00-deps.sh', stderr).map((f) => `${f.code} ${f.line} ${f.message}`)).toEqual([
      "VL091 5 bash -n: syntax error near unexpected token `fi'",
      "VL091 5 bash -n: `fi'",
    ]);
  });
});
