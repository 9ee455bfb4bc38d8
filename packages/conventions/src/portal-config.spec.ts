import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatPortalConfig, parsePortalConfig, parsePortalYaml, renderPortalYaml, validatePortalEntries } from './portal-config';
import type { PortalEntry } from './schema';

const BASE = 'localhost:1111:11111:/:Instance Portal';
const JUPYTER = 'localhost:8080:18080:/:Jupyter|localhost:8080:18080:/terminals/1:Jupyter Terminal';

function entry(over: Partial<PortalEntry> = {}): PortalEntry {
  return { hostname: 'localhost', externalPort: 1111, internalPort: 11111, path: '/', label: 'Instance Portal', ...over };
}

function entriesOf(text: string): PortalEntry[] {
  const result = parsePortalConfig(text);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.entries;
}

describe('parsePortalConfig', () => {
  it('reads the canonical base entry', () => {
    expect(entriesOf(BASE)).toEqual([entry()]);
  });

  it('splits on the first four colons, so labels may contain colons', () => {
    expect(entriesOf('localhost:7860:17860:/:Model UI: v2')).toEqual([
      entry({ externalPort: 7860, internalPort: 17860, label: 'Model UI: v2' }),
    ]);
  });

  it('trims whitespace and ignores empty segments between |', () => {
    expect(entriesOf(`  |${BASE} |  | localhost : 8384 : 18384 : / : Syncthing |`)).toEqual([
      entry(),
      entry({ externalPort: 8384, internalPort: 18384, label: 'Syncthing' }),
    ]);
  });

  it('accepts an empty config as no applications', () => {
    expect(parsePortalConfig('')).toEqual({ ok: true, entries: [] });
    expect(parsePortalConfig(' | ')).toEqual({ ok: true, entries: [] });
  });

  it('rejects an entry with too few fields, naming it and showing the format', () => {
    expect(parsePortalConfig(`${BASE}|localhost:8080:/:Jupyter`)).toEqual({
      ok: false,
      errors: [
        'entry 2 "localhost:8080:/:Jupyter" has 4 of the 5 \':\'-separated fields. ' +
          'Write it as hostname:external_port:internal_port:path:Label, e.g. localhost:1111:11111:/:Instance Portal',
      ],
    });
  });

  it('rejects ports that are not whole numbers, naming entry and label', () => {
    const result = parsePortalConfig('localhost:80a:18080:/:Jupyter|localhost:1.5:-3:/:Other');
    expect(result).toEqual({
      ok: false,
      errors: [
        'entry 1 ("Jupyter"): the external port "80a" is not a whole number. Use a whole number between 1 and 65535.',
        'entry 2 ("Other"): the external port "1.5" is not a whole number. Use a whole number between 1 and 65535.',
        'entry 2 ("Other"): the internal port "-3" is not a whole number. Use a whole number between 1 and 65535.',
      ],
    });
  });
});

describe('formatPortalConfig', () => {
  const canonical = [
    BASE,
    `${BASE}|${JUPYTER}`,
    'localhost:1111:11111:/:Instance Portal|localhost:8188:18188:/:ComfyUI|localhost:8288:18288:/docs:API Wrapper',
    'localhost:8000:18000:/docs:vLLM API|localhost:7860:17860:/:Model UI: v2|127.0.0.1:6006:6006:/:Direct',
    '',
  ];
  it.each(canonical)('round-trips %j', (text) => {
    expect(formatPortalConfig(entriesOf(text))).toBe(text);
  });

  it('normalises whitespace and empty segments away', () => {
    expect(formatPortalConfig(entriesOf(` ${BASE} || `))).toBe(BASE);
  });
});

describe('validatePortalEntries', () => {
  it('accepts the upstream defaults, including the Jupyter pair on one external port', () => {
    expect(validatePortalEntries(entriesOf(`${BASE}|${JUPYTER}|localhost:8384:18384:/:Syncthing`))).toEqual([]);
  });

  it('accepts a direct entry (external == internal) next to proxied ones', () => {
    expect(validatePortalEntries(entriesOf(`${BASE}|localhost:8080:8080:/:Jupyter`))).toEqual([]);
  });

  it('rejects ports outside 1..65535 and non-integers', () => {
    expect(validatePortalEntries([entry({ externalPort: 0 }), entry({ label: 'B', externalPort: 2222, internalPort: 70000 })])).toEqual([
      'entry 1 ("Instance Portal"): the external port 0 is not a port number. Use a whole number between 1 and 65535.',
      'entry 2 ("B"): the internal port 70000 is not a port number. Use a whole number between 1 and 65535.',
    ]);
    expect(validatePortalEntries([entry({ internalPort: 1.5 })])).toEqual([
      'entry 1 ("Instance Portal"): the internal port 1.5 is not a port number. Use a whole number between 1 and 65535.',
    ]);
  });

  it('rejects labels that are duplicates ignoring case', () => {
    expect(validatePortalEntries([entry(), entry({ label: 'instance portal', externalPort: 2222, internalPort: 12222 })])).toEqual([
      'entry 2 ("instance portal"): the label is already used by entry 1 ("Instance Portal") (labels are compared ignoring case, ' +
        'and each becomes a key of /etc/portal.yaml). Give each application its own label.',
    ]);
  });

  it("rejects a label with '|', which would split the entry", () => {
    expect(validatePortalEntries([entry({ label: 'A|B' })])).toEqual([
      "entry 1 (\"A|B\"): the label contains '|', which separates PORTAL_CONFIG entries. Remove it or use '/' instead.",
    ]);
  });

  it('rejects a label with a line break', () => {
    expect(validatePortalEntries([entry({ label: 'A\nB' })])).toEqual([
      'entry 1 ("A\\nB"): the label contains a line break, which ends the PORTAL_CONFIG value. Keep the label on one line.',
    ]);
  });

  it('rejects an empty label and one with surrounding spaces', () => {
    expect(validatePortalEntries([entry({ label: '' }), entry({ label: ' X ', externalPort: 2, internalPort: 3 })])).toEqual([
      'entry 1: the label is empty. Name the application, e.g. Instance Portal.',
      'entry 2 (" X "): the label starts or ends with whitespace, which parsing trims away. Remove the surrounding spaces.',
    ]);
  });

  it('rejects a hostname or path that breaks the format', () => {
    expect(
      validatePortalEntries([entry({ hostname: '::1' }), entry({ label: 'B', path: 'docs', externalPort: 2, internalPort: 3 })]),
    ).toEqual([
      'entry 1 ("Instance Portal"): the hostname "::1" is not a host name, an IPv4 address or a bracketed IPv6 address ' +
        '(it goes unquoted into the Caddyfile, where other text breaks the file or names another backend). Use a name such as localhost or 127.0.0.1: letters, digits, dashes and dots.',
      "entry 2 (\"B\"): the path \"docs\" must start with '/' and contain no whitespace, control characters, ':' or '|' (they break the format). " +
        'Use a path such as / or /terminals/1; percent-encode anything else.',
    ]);
  });

  // Issue 11 finding 7: these passed validation, then Caddy refused the Caddyfile (every port down).
  it.each([
    '"localhost',
    '`localhost`',
    '#localhost',
    'local{host',
    'local}host',
    'local\\host',
    'my_host',
    '-host',
    '999.1.1.1',
    '[zz]',
    'a..b',
    'x'.repeat(64),
  ])('rejects the hostname %s, which is not a host name or address', (hostname) => {
    expect(validatePortalEntries([entry({ hostname })])).toEqual([
      `entry 1 ("Instance Portal"): the hostname ${JSON.stringify(hostname)} is not a host name, an IPv4 address or a bracketed IPv6 address ` +
        '(it goes unquoted into the Caddyfile, where other text breaks the file or names another backend). Use a name such as localhost or 127.0.0.1: letters, digits, dashes and dots.',
    ]);
  });

  it('rejects them in a PORTAL_CONFIG too', () => {
    expect(validatePortalEntries(entriesOf('"evil:1111:11111:/:Instance Portal'))[0]).toContain(
      'the hostname "\\"evil" is not a host name',
    );
    expect(validatePortalEntries(entriesOf('#x:1111:11111:/:Instance Portal'))[0]).toContain('the hostname "#x" is not a host name');
  });

  it.each(['localhost', '127.0.0.1', 'app-1.internal', 'my-backend', '[::1]', '[fd00::1:2]', '10.0.0.255'])(
    'accepts the hostname %s',
    (hostname) => {
      expect(validatePortalEntries([entry({ hostname })])).toEqual([]);
    },
  );

  it('rejects a label with a control character other than a line break', () => {
    expect(validatePortalEntries([entry({ label: 'A\tB' })])).toEqual([
      'entry 1 ("A\\tB"): the label contains a control character (a tab, NUL or similar). Use printable text only.',
    ]);
  });

  it('accepts labels with characters the renderers quote or escape: { } # " ` $ \\ :', () => {
    expect(validatePortalEntries([entry({ label: 'My {app} #1 "x" `y` $z \\ a:b' })])).toEqual([]);
  });

  it('rejects one external port proxying to two internal ports', () => {
    expect(validatePortalEntries(entriesOf('localhost:8080:18080:/:Jupyter|localhost:8080:18081:/:Other'))).toEqual([
      'entry 2 ("Other"): external port 8080 already proxies to internal port 18080 for entry 1 ("Jupyter"); ' +
        'one port cannot reach two backends. Use another external port, or internal port 18080.',
    ]);
  });

  it('rejects one internal port proxied from two external ports', () => {
    expect(validatePortalEntries(entriesOf('localhost:8080:18080:/:Jupyter|localhost:9090:18080:/:Again'))).toEqual([
      'entry 2 ("Again"): internal port 18080 is already proxied from external port 8080 for entry 1 ("Jupyter"). ' +
        'Proxy each application from one external port.',
    ]);
  });

  it('accepts a direct entry on a port Caddy serves: a link into that site (upstream Jupyter Terminal)', () => {
    expect(validatePortalEntries(entriesOf('localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal'))).toEqual(
      [],
    );
  });

  it('rejects a proxied backend on a port where Caddy listens (a loop)', () => {
    expect(validatePortalEntries(entriesOf('localhost:1111:8080:/:A|localhost:8080:18080:/:B'))).toEqual([
      'entry 1 ("A"): port 8080 is where this application listens, but Caddy also listens there for entry 2 ("B"). ' +
        'Move one of them to a free port.',
    ]);
  });
});

describe('renderPortalYaml', () => {
  it('writes the applications map keyed by label, in order', () => {
    expect(renderPortalYaml(entriesOf(`${BASE}|localhost:8080:18080:/terminals/1:Jupyter Terminal`))).toBe(
      [
        'applications:',
        '  Instance Portal:',
        '    hostname: localhost',
        '    external_port: 1111',
        '    internal_port: 11111',
        '    open_path: /',
        '    name: Instance Portal',
        '  Jupyter Terminal:',
        '    hostname: localhost',
        '    external_port: 8080',
        '    internal_port: 18080',
        '    open_path: /terminals/1',
        '    name: Jupyter Terminal',
        '',
      ].join('\n'),
    );
  });

  it('writes an empty map for no applications', () => {
    expect(renderPortalYaml([])).toBe('applications: {}\n');
  });

  it('quotes labels that YAML would read as other types, keeping order', () => {
    const entries = [
      entry({ label: 'yes' }),
      entry({ label: '123', externalPort: 2, internalPort: 3 }),
      entry({ label: 'a: #b', externalPort: 4, internalPort: 5 }),
    ];
    const text = renderPortalYaml(entries);
    expect(Object.keys(parseYaml(text, { version: '1.1' }).applications)).toEqual(['123', 'yes', 'a: #b']); // JS object order
    expect(text).toContain('  "yes":\n');
    expect(parsePortalYaml(text)).toEqual({ ok: true, entries });
  });
});

describe('parsePortalYaml', () => {
  it('round-trips renderPortalYaml', () => {
    const entries = entriesOf(`${BASE}|${JUPYTER}`);
    expect(parsePortalYaml(renderPortalYaml(entries))).toEqual({ ok: true, entries });
  });

  it('gives no entries for an empty file, a null document, or an empty map', () => {
    for (const text of ['', '# nothing\n', 'applications: {}\n', 'applications:\n']) {
      expect(parsePortalYaml(text)).toEqual({ ok: true, entries: [] });
    }
  });

  it('defaults hostname, open_path and name (to the key), and accepts digit strings as ports', () => {
    expect(parsePortalYaml('applications:\n  Portal:\n    external_port: "1111"\n    internal_port: 11111\n')).toEqual({
      ok: true,
      entries: [entry({ label: 'Portal' })],
    });
  });

  it('reports unusable files as not holding applications', () => {
    expect(parsePortalYaml('applications: [1\n', '/x/portal.yaml')).toMatchObject({
      ok: false,
      hasApplications: false,
      errors: [expect.stringMatching(/^\/x\/portal\.yaml: is not valid YAML \(.+\)\. Fix the syntax or delete the file\.$/)],
    });
    expect(parsePortalYaml('- a\n')).toEqual({
      ok: false,
      hasApplications: false,
      errors: ["/etc/portal.yaml: the document is not a map. Start it with 'applications:'."],
    });
    expect(parsePortalYaml('applications: [a]\n')).toMatchObject({ ok: false, hasApplications: false });
  });

  it('reports bad fields of declared applications with file, key and field', () => {
    expect(parsePortalYaml('applications:\n  Jupyter:\n    external_port: abc\n  Other: 3\n')).toEqual({
      ok: false,
      hasApplications: true,
      errors: [
        '/etc/portal.yaml: applications."Jupyter".external_port: "abc" is not a whole number. Use a whole number between 1 and 65535.',
        '/etc/portal.yaml: applications."Jupyter".internal_port: is missing. Use a whole number between 1 and 65535.',
        '/etc/portal.yaml: applications."Other": is not a map. Give it hostname, external_port, internal_port, open_path and name.',
      ],
    });
  });
});
