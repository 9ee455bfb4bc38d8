// Caddy as upstream's users meet it, as smoke checks: a restart of the caddy program comes back on every port it
// listened on, and a proxied port whose application is down answers with the not-ready page, not a bare 502.
import { NOT_READY_HEADER, type PortalEntry } from '@vast/conventions';
import { bash, supervisorStates } from './probe';
import type { CheckOutcome, SmokeCheck } from './checks';

const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
const fail = (detail: string): CheckOutcome => ({ status: 'fail', detail });
const skip = (detail: string): CheckOutcome => ({ status: 'skip', detail });

/**
 * The TCP ports every `caddy` process listens on (its sockets' inodes looked up in /proc/net/tcp{,6}, state 0A), so no
 * `ss` is needed, and the pids of those processes. Prints `ports=<ports>` and `pids=<pids>`.
 */
const LISTENING_SCRIPT = `
pids=$(pgrep -x caddy | tr '\\n' ' ')
inodes=$(for pid in $pids; do ls -l "/proc/$pid/fd" 2>/dev/null; done | sed -n 's/.*socket:\\[\\([0-9]*\\)\\].*/\\1/p' | sort -u | tr '\\n' ' ')
ports=
if [[ -n "$inodes" ]]; then
    ports=$(awk -v inodes=" $inodes" 'FNR > 1 && $4 == "0A" && index(inodes, " " $10 " ") { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 |
        while read -r hex; do echo $((16#$hex)); done | sort -un | tr '\\n' ' ')
fi
echo "ports=$ports"
echo "pids=$pids"
`;

/** How long a restart may take to listen again: portal-config and Caddy start in seconds, a loaded CI machine is slower. */
const RESTART_BUDGET_MS = 180_000;

interface CaddySockets {
  ports: string[];
  pids: string;
}

function parseSockets(output: string): CaddySockets {
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(output)?.[1].trim() ?? '';
  return { ports: field('ports').split(' ').filter(Boolean), pids: field('pids') };
}

/** Judges one look after the restart: a new caddy, listening on every port the old one had. */
export function judgeCaddyRestart(before: CaddySockets, after: CaddySockets): CheckOutcome {
  if (after.pids === '' || after.pids === before.pids)
    return fail(`caddy was not restarted (pid before ${before.pids}, after ${after.pids || 'none'})`);
  const missing = before.ports.filter((port) => !after.ports.includes(port));
  return missing.length
    ? fail(
        `listened on ${before.ports.join(' ')} before the restart; ${missing.join(', ')} not back (now: ${after.ports.join(' ') || 'none'})`,
      )
    : pass(`restarted (pid ${before.pids} -> ${after.pids}); listening again on ${after.ports.join(' ')}`);
}

/**
 * Stops the program behind a proxied entry, asks its port (with the token, so the gate lets the request through), and
 * starts the program again whatever the answer (detached: a start waits for the program's startsecs); prints the
 * response's status line and headers.
 */
const NOT_READY_SCRIPT = `
supervisorctl stop "$1" >/dev/null
curl -s -D - -o /dev/null --max-time 10 -H "Authorization: Bearer $2" "$3"
setsid supervisorctl start "$1" >/dev/null 2>&1 </dev/null &
`;

export function judgeNotReady(headers: string, url: string): CheckOutcome {
  const status = /^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1];
  const marked = new RegExp(`^${NOT_READY_HEADER}: true\\r?$`, 'im').test(headers);
  if (status === '502' && marked) return pass(`${url} -> 502 with the not-ready page (${NOT_READY_HEADER}: true)`);
  return fail(`${url} -> ${status ?? 'no answer'}${marked ? '' : `, without ${NOT_READY_HEADER}`}; expected the not-ready page (502)`);
}

export const CADDY_RESTART_CHECK: SmokeCheck = {
  id: 'caddy-restart-keeps-ports',
  description: '`supervisorctl restart caddy` comes back listening on every port it had',
  async run({ probe }) {
    const before = parseSockets((await bash(probe, LISTENING_SCRIPT)).stdout);
    if (!before.ports.length) return fail('caddy listens on no port yet (not started?)');
    // Detached, so each look below is a short exec of its own however long supervisorctl takes.
    await bash(probe, 'setsid supervisorctl restart caddy >/dev/null 2>&1 < /dev/null &');
    const deadline = Date.now() + RESTART_BUDGET_MS;
    let outcome: CheckOutcome;
    do {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      outcome = judgeCaddyRestart(before, parseSockets((await bash(probe, LISTENING_SCRIPT)).stdout));
    } while (outcome.status === 'fail' && Date.now() < deadline);
    return outcome;
  },
};

/** The not-ready page, shown with the program of a proxied entry (Jupyter in the smoke's PORTAL_CONFIG) stopped. */
export function notReadyCheck(program: string, pick: (entries: PortalEntry[]) => PortalEntry | undefined): SmokeCheck {
  return {
    id: 'not-ready-page',
    description: `with ${program} stopped, its proxied port answers with the not-ready page (502 + ${NOT_READY_HEADER}), not a bare 502`,
    async run({ probe, expect }) {
      const entry = pick(expect.portalEntries);
      if (!entry) return skip(`no proxied entry for ${program} in PORTAL_CONFIG`);
      if ((await supervisorStates(probe))?.get(program) !== 'RUNNING') return fail(`${program} is not RUNNING yet`);
      const url = `http://127.0.0.1:${entry.externalPort}/`;
      const result = await bash(probe, NOT_READY_SCRIPT, program, expect.token, url);
      return judgeNotReady(result.stdout, url);
    },
  };
}
