// Upstream's syncthing program as a smoke check: configured as upstream configures it, running as `user`, and its GUI
// answering through Caddy's authenticated site. Runs wherever the smoke's PORTAL_CONFIG lists Syncthing.
import { SYNCTHING_BIN, SYNCTHING_CONFIG_DIR, SYNCTHING_GUI_PORT, type PortalEntry } from '@vast/conventions';
import { bash, readFile, supervisorStates } from './probe';
import type { CheckOutcome, SmokeCheck } from './checks';

const CONFIG = `${SYNCTHING_CONFIG_DIR}/config.xml`;

/** The text of each `<name>` element of one top-level section (`gui`, `options`) of Syncthing's config.xml. */
export function syncthingValues(configXml: string, section: string, name: string): string[] {
  const block = new RegExp(`<${section}[ >][\\s\\S]*?</${section}>`).exec(configXml)?.[0] ?? '';
  return [...block.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) =>
    m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
  );
}

/**
 * What differs from upstream's configuration in a config.xml: the GUI on 127.0.0.1:18384 with OPEN_BUTTON_TOKEN as its
 * API key, host check and admin-access restrictions off, NAT traversal off, and tcp://0.0.0.0:<port> among the listen
 * addresses when the platform maps Syncthing's protocol port (VAST_TCP_PORT_72299), with no address lacking a port.
 */
export function syncthingConfigProblems(configXml: string, expected: { token: string; protocolPort?: string }): string[] {
  const one = (section: string, name: string) => syncthingValues(configXml, section, name).join(',');
  const want: Array<[string, string, string]> = [
    ['gui', 'address', `127.0.0.1:${SYNCTHING_GUI_PORT}`],
    ['gui', 'apikey', expected.token],
    ['gui', 'insecureAdminAccess', 'true'],
    ['gui', 'insecureSkipHostcheck', 'true'],
    ['options', 'natEnabled', 'false'],
  ];
  const problems = want.flatMap(([section, name, value]) => {
    const actual = one(section, name);
    if (actual === value) return [];
    return [
      `${section}.${name} is '${name === 'apikey' ? (actual ? '(another key)' : '') : actual}', expected ${name === 'apikey' ? 'OPEN_BUTTON_TOKEN' : `'${value}'`}`,
    ];
  });
  const listen = syncthingValues(configXml, 'options', 'listenAddress');
  const portless = listen.filter((a) => a.endsWith(':'));
  if (portless.length) problems.push(`listen addresses without a port: ${portless.join(' ')}`);
  if (expected.protocolPort && !listen.includes(`tcp://0.0.0.0:${expected.protocolPort}`))
    problems.push(`listens on [${listen.join(' ')}], without tcp://0.0.0.0:${expected.protocolPort} (VAST_TCP_PORT_72299)`);
  return problems;
}

const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
const fail = (detail: string): CheckOutcome => ({ status: 'fail', detail });

/**
 * Prints: the user syncthing runs as, the owner of its clean log twin (boot stage 11 makes it for a program's `user=`),
 * VAST_TCP_PORT_72299, then the status and content type of the GUI's page through Caddy's site (an API call would need
 * Syncthing's CSRF cookie, which the page sets).
 */
const PROBE_SCRIPT = `
ps -o user= -p "$(pgrep -o -x syncthing)" 2>/dev/null || echo none
stat -c %U /var/log/syncthing.log 2>/dev/null || echo none
echo "\${VAST_TCP_PORT_72299:-}"
curl -s -o /dev/null -w "%{http_code} %{content_type}" --max-time 10 -H "Authorization: Bearer $1" "$2" || true
`;

export function syncthingCheck(entryOf: (entries: PortalEntry[]) => PortalEntry | undefined): SmokeCheck {
  return {
    id: 'syncthing',
    description: `syncthing runs as user, configured as upstream (${CONFIG}), its GUI answering through Caddy`,
    async run({ probe, expect }) {
      const entry = entryOf(expect.portalEntries);
      if (!entry) return { status: 'skip', detail: 'Syncthing is not in PORTAL_CONFIG' };
      const state = (await supervisorStates(probe))?.get('syncthing');
      if (state !== 'RUNNING') return fail(`syncthing is ${state ?? 'not a supervisor program'}`);
      const url = `http://127.0.0.1:${entry.externalPort}/`;
      const [user, twinOwner, protocolPort, health] = (await bash(probe, PROBE_SCRIPT, expect.token, url)).stdout.split('\n');
      const config = await readFile(probe, CONFIG);
      if (config === undefined) return fail(`${CONFIG} is missing`);
      const problems = syncthingConfigProblems(config, { token: expect.token, protocolPort: protocolPort?.trim() || undefined });
      if (user?.trim() !== 'user') problems.push(`runs as '${user?.trim()}', expected user`);
      if (twinOwner?.trim() !== 'user') problems.push(`/var/log/syncthing.log is owned by '${twinOwner?.trim()}', expected user`);
      if (!/^200 text\/html/.test(health ?? '')) problems.push(`${url} through Caddy answered '${health ?? ''}', expected 200 text/html`);
      if (problems.length) return fail(problems.join('; '));
      const version = (await bash(probe, '"$1" --version | head -n 1', SYNCTHING_BIN)).stdout.trim().split(' ').slice(0, 2).join(' ');
      return pass(
        `${version} as user; GUI ${url} -> ${health}; listening on ${syncthingValues(config, 'options', 'listenAddress').join(' ')}`,
      );
    },
  };
}
