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
 * `ss` is needed; then `supervisorctl restart caddy` and up to 30 s for the same set to listen again. Prints
 * `before=<ports>`, `after=<ports>` and both caddy pids.
 */
const RESTART_SCRIPT = `
listening() {
    local inodes
    inodes=$(for pid in $(pgrep -x caddy); do ls -l "/proc/$pid/fd" 2>/dev/null; done | sed -n 's/.*socket:\\[\\([0-9]*\\)\\].*/\\1/p' | sort -u | tr '\\n' ' ')
    [[ -n "$inodes" ]] || return 0
    awk -v inodes=" $inodes" 'FNR > 1 && $4 == "0A" && index(inodes, " " $10 " ") { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 |
        while read -r hex; do echo $((16#$hex)); done | sort -un | tr '\\n' ' '
}
before=$(listening)
echo "before=$before"
echo "pid-before=$(pgrep -x caddy | tr '\\n' ' ')"
[[ -n "$before" ]] || exit 0
supervisorctl restart caddy >/dev/null
for _ in $(seq 1 30); do
    after=$(listening)
    [[ "$after" == "$before" ]] && break
    sleep 1
done
echo "after=$after"
echo "pid-after=$(pgrep -x caddy | tr '\\n' ' ')"
`;

/** Judges the restart script's output. */
export function judgeCaddyRestart(output: string): CheckOutcome {
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(output)?.[1].trim() ?? '';
  const before = field('before');
  if (!before) return fail('caddy listens on no port yet (not started?)');
  const after = field('after');
  const [pidBefore, pidAfter] = [field('pid-before'), field('pid-after')];
  if (pidAfter === '' || pidAfter === pidBefore)
    return fail(`caddy was not restarted (pid before ${pidBefore}, after ${pidAfter || 'none'})`);
  const missing = before.split(' ').filter((port) => !after.split(' ').includes(port));
  return missing.length
    ? fail(`listened on ${before} before the restart; ${missing.join(', ')} not back within 30 s (now: ${after || 'none'})`)
    : pass(`restarted (pid ${pidBefore} -> ${pidAfter}); listening again on ${after}`);
}

/**
 * Stops the program behind a proxied entry, asks its port (with the token, so the gate lets the request through), and
 * starts the program again whatever the answer; prints the response's status line and headers.
 */
const NOT_READY_SCRIPT = `
supervisorctl stop "$1" >/dev/null
curl -s -D - -o /dev/null --max-time 10 -H "Authorization: Bearer $2" "$3"
supervisorctl start "$1" >/dev/null
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
    const result = await bash(probe, RESTART_SCRIPT);
    return judgeCaddyRestart(result.stdout);
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
