import { describe, expect, it } from 'vitest';
import { selectApplications } from './select-applications';

const PORTAL = 'localhost:1111:11111:/:Instance Portal';
const YAML = 'applications:\n  Edited:\n    external_port: 7000\n    internal_port: 17000\n';

describe('selectApplications', () => {
  it('takes PORTAL_CONFIG when there is no file', () => {
    expect(selectApplications({ yamlText: null, yamlPath: '/p.yaml', portalConfig: PORTAL })).toEqual({
      ok: true,
      source: 'PORTAL_CONFIG',
      replacesUnusableYaml: false,
      warnings: [],
      entries: [{ hostname: 'localhost', externalPort: 1111, internalPort: 11111, path: '/', label: 'Instance Portal' }],
    });
  });

  it('lets a file with applications win', () => {
    expect(selectApplications({ yamlText: YAML, yamlPath: '/p.yaml', portalConfig: PORTAL })).toMatchObject({
      ok: true,
      source: 'yaml',
      entries: [{ label: 'Edited', externalPort: 7000 }],
    });
  });

  it('validates the applications of the file too, naming the file', () => {
    const yaml =
      'applications:\n  A:\n    external_port: 7000\n    internal_port: 17000\n  B:\n    external_port: 7000\n    internal_port: 17001\n';
    expect(selectApplications({ yamlText: yaml, yamlPath: '/p.yaml', portalConfig: PORTAL })).toEqual({
      ok: false,
      errors: [
        '/p.yaml: entry 2 ("B"): external port 7000 already proxies to internal port 17000 for entry 1 ("A"); one port cannot reach two backends. ' +
          'Use another external port, or internal port 17000. Or delete the file to start again from PORTAL_CONFIG.',
      ],
    });
  });

  it('falls back to PORTAL_CONFIG with a warning when the file is unusable', () => {
    const result = selectApplications({ yamlText: '- just a list\n', yamlPath: '/p.yaml', portalConfig: PORTAL });
    expect(result).toMatchObject({ ok: true, source: 'PORTAL_CONFIG', replacesUnusableYaml: true });
    expect(result.ok && result.warnings).toEqual([
      "/p.yaml: the document is not a map. Start it with 'applications:'. Using PORTAL_CONFIG instead; the old file is kept as /p.yaml.invalid.",
    ]);
  });

  it('prefixes PORTAL_CONFIG errors with the variable name', () => {
    expect(selectApplications({ yamlText: '', yamlPath: '/p.yaml', portalConfig: 'localhost:1111' })).toEqual({
      ok: false,
      errors: [
        'PORTAL_CONFIG: entry 1 "localhost:1111" has 2 of the 5 \':\'-separated fields. Write it as hostname:external_port:internal_port:path:Label, ' +
          'e.g. localhost:1111:11111:/:Instance Portal',
      ],
    });
  });
});
