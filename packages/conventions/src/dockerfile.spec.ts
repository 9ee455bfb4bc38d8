import { describe, expect, it } from 'vitest';
import { renderDockerfile, variantBuildArgs } from './dockerfile';
import { parseDockerfile } from './lint/dockerfile-parser';
import { fakeDefinition, fakeFamily } from './testing';

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
    expect(text).toContain('RUN rm -f /etc/vast_boot.d/05-base-env.sh && env-hash > /.env_hash');
    expect(text).not.toContain('ENTRYPOINT');
  });

  it("external: base stage first, upstream second, the graft's packages before any ENV, graft, app overlay, entrypoint", () => {
    const text = renderDockerfile(family.get('ext')!);
    const froms = parseDockerfile(text)
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args);
    expect(froms).toEqual(['${VAST_BASE} AS vast_base_image', '${UPSTREAM_IMAGE}']);
    const order = [
      // The package half first, right after FROM, from the list and its script alone (a layer every graft shares).
      '${UPSTREAM_IMAGE}\n\n# Graft, first half',
      'COPY --from=vast_base_image /opt/vast-base/apt-packages.txt /opt/vast-base/graft-packages.sh /opt/vast-base/\nRUN ["/opt/vast-base/graft-packages.sh"]',
      '\nLABEL ',
      '\nENV ',
      'COPY --from=vast_base_image /opt/vast-base /opt/vast-base',
      '/opt/vast-base/graft.sh',
      'COPY ./ROOT /',
      'env-hash > /.env_hash',
      'ENTRYPOINT',
    ];
    const positions = order.map((s) => text.indexOf(s));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('copies what a step needs just before it, so other overlay edits keep its layer', () => {
    const base = fakeDefinition('base', { steps: [{ name: 'tool', run: '/opt/x/setup.sh', needs: ['opt/x/setup.sh'] }] });
    const text = renderDockerfile(fakeFamily(base).get('base')!);
    expect(text).toContain(
      'COPY ./ROOT/opt/x/setup.sh /opt/x/setup.sh\nRUN --mount=type=bind,source=steps/00-tool.sh,target=/tmp/vast-step.sh bash /tmp/vast-step.sh',
    );
  });

  it("removes a service of one profile from the other profile's builds, and from the base's copy for grafts", () => {
    const base = fakeDefinition('base', {
      services: [
        { name: 'always', command: 'sleep infinity' },
        { name: 'board', profile: 'production', command: 'tensorboard --port 16006' },
      ],
    });
    const text = renderDockerfile(fakeFamily(base).get('base')!);
    expect(text).toContain(
      '# board is a program of the production profile only (services.1.profile).\n' +
        'RUN if [[ "${VAST_PROFILE}" != production ]]; then rm -f /etc/supervisor/conf.d/board.conf /opt/supervisor-scripts/board.sh ' +
        '/opt/vast-base/ROOT/etc/supervisor/conf.d/board.conf /opt/vast-base/ROOT/opt/supervisor-scripts/board.sh; fi',
    );
    expect(text.indexOf('VAST_PROFILE}" != production')).toBeGreaterThan(text.indexOf('COPY ./ROOT /opt/vast-base/ROOT'));
    expect(text).not.toContain('always.conf');
  });

  it('derives build args from variant facts, the variant overriding', () => {
    const def = fakeDefinition('derivative', { args: { A: '1' } });
    expect(
      variantBuildArgs(
        { definition: def, ancestors: [] },
        { ...def.variants[0], torch: '2.10.0', torchBackend: 'cu128', python: '3.12', args: { A: '2' } },
      ),
    ).toEqual({
      A: '2',
      PYTHON_VERSION: '3.12',
      PYTORCH_VERSION: '2.10.0',
      PYTORCH_BACKEND: 'cu128',
    });
  });
});
