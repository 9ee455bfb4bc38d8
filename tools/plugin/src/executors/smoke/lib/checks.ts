// The runtime contract as checks: each one named, described, and judged from what a booted container shows.
// Which checks run for which image (and which are excluded, with why) is data in smoke-config.ts.
import {
  BOOT_DIR,
  BOOT_LOG,
  CADDY_LOG,
  CLEAN_LOG_DIR,
  CPU_THREAD_BLOCK,
  CPU_THREAD_VARIABLES,
  LOG_DIR,
  parsePortalYaml,
  PORTAL_RESOLVER_PATH,
  PROVISIONING_LOG,
  PROVISIONING_MARKERS,
  provisioningMarkerPath,
  SKIP_DIR,
  SUPERVISOR_SCRIPTS_DIR,
  type PortalEntry,
} from '@vast/conventions';
import { bash, fileExists, httpStatus, readFile, supervisorStates, type ContainerProbe } from './probe';
import { latestBootLines } from './boot-log';
import { LAYOUT_CHECKS } from './layout-checks';
import { CADDY_RESTART_CHECK, notReadyCheck } from './caddy-checks';
import { syncthingCheck } from './syncthing-check';

export { latestBootLines };

export interface SmokeExpectations {
  portalEntries: PortalEntry[];
  /** OPEN_BUTTON_TOKEN the container was started with. */
  token: string;
  /** What provisioning should end in: no PROVISIONING_SCRIPT, a script that succeeds, or one that fails. */
  provisioning: 'none' | 'complete' | 'failed';
  /** A file the smoke's own provisioning script writes, proving it ran. */
  provisioningProof?: string;
  /** An item the smoke put into /opt/workspace-internal before boot: its name, a file in it and that file's content. */
  syncProbe?: { name: string; file: string; content: string };
  workspace: string;
  /** Boot stages allowed to report a failure (e.g. 75-provisioning when the script is meant to fail). */
  allowedStageFailures: string[];
}

export interface CheckContext {
  probe: ContainerProbe;
  expect: SmokeExpectations;
}

export interface CheckOutcome {
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  /**
   * A failure that waiting cannot turn into a pass: the container answered, and the answer is wrong. Set on a
   * check that expects a refusal and was let in, so an intermittent 200 fails the run instead of being retried away.
   */
  final?: boolean;
}

export interface SmokeCheck {
  /** Stable id, used by exclusions. */
  id: string;
  description: string;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

const pass = (detail: string): CheckOutcome => ({ status: 'pass', detail });
const fail = (detail: string): CheckOutcome => ({ status: 'fail', detail });
const skip = (detail: string): CheckOutcome => ({ status: 'skip', detail });
const wrongAnswer = (detail: string): CheckOutcome => ({ status: 'fail', detail, final: true });

/**
 * Judges an HTTP status where a refusal is expected. No answer or a 5xx means the port is not serving yet (worth
 * another try); any other answer than the refusal is final.
 */
function judgeRefusal(url: string, code: number, expected: number): CheckOutcome {
  if (code === expected) return pass(`${url} -> ${code}`);
  const detail = `${url} -> ${code || 'no answer'}, expected ${expected}`;
  return code === 0 || code >= 500
    ? fail(`${detail} (not serving yet?)`)
    : wrongAnswer(`${detail}; not retried: a port that lets a request in once is open`);
}

const IN_PROGRESS = provisioningMarkerPath(PROVISIONING_MARKERS.inProgress);
const COMPLETE = provisioningMarkerPath(PROVISIONING_MARKERS.complete);
const FAILED = provisioningMarkerPath(PROVISIONING_MARKERS.failed);

/** Stage names (`05-configure-cuda`) from the boot log lines, in the order they started. */
export function startedStages(lines: string[]): string[] {
  return lines.filter((l) => /^\d\d-\S+$/.test(l));
}

/** `{ stage, reason }` for every stage the latest boot logged as failed, or in which a command failed. */
export function failedStages(lines: string[]): Array<{ stage: string; reason: string }> {
  return lines.flatMap((l) => {
    const match = /^(\d\d-\S+) ((?:command )?failed .*)$/.exec(l);
    return match ? [{ stage: match[1], reason: match[2] }] : [];
  });
}

/** The stage files in BOOT_DIR, as boot_default.sh orders them (bytewise). */
async function stageFiles(probe: ContainerProbe): Promise<string[]> {
  const result = await bash(probe, 'cd "$1" && for f in [0-9][0-9]-*.sh; do [[ -f "$f" ]] && echo "${f%.sh}"; done', BOOT_DIR);
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** program -> portal label, from the `exit_portal.sh '<label>'` line of each launch script. */
export function parsePortalLabels(grepOutput: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const line of grepOutput.split('\n')) {
    if (!line.startsWith(`${SUPERVISOR_SCRIPTS_DIR}/`)) continue;
    const match = /^([^/:]+)\.sh:.*exit_portal\.sh\s+(?:'((?:[^']|'\\'')*)'|"([^"]*)"|(\S+))/.exec(
      line.slice(SUPERVISOR_SCRIPTS_DIR.length + 1),
    );
    if (!match) continue;
    const label = match[2] !== undefined ? match[2].replace(/'\\''/g, "'") : (match[3] ?? match[4]);
    labels.set(match[1], label);
  }
  return labels;
}

async function portalLabels(probe: ContainerProbe): Promise<Map<string, string>> {
  const result = await bash(probe, `grep -H "^[^#]*exit_portal\\.sh" ${SUPERVISOR_SCRIPTS_DIR}/*.sh || true`);
  return parsePortalLabels(result.stdout);
}

/** exit_portal.sh's rule: the label appears, case-insensitively, in an entry of the portal config. */
export function labelListed(label: string, entries: PortalEntry[]): boolean {
  const needle = label.toLowerCase();
  return entries.some((e) => e.label.toLowerCase().includes(needle));
}

const hasJupyter = (entries: PortalEntry[]) => labelListed('jupyter', entries);

function runningCheck(id: string, program: string, when?: (expect: SmokeExpectations) => string | undefined): SmokeCheck {
  return {
    id,
    description: `supervisor program ${program} is RUNNING`,
    async run({ probe, expect }) {
      const reason = when?.(expect);
      if (reason) return skip(reason);
      const states = await supervisorStates(probe);
      if (!states) return fail('supervisorctl status does not answer');
      const state = states.get(program);
      return state === 'RUNNING' ? pass('RUNNING') : fail(state ? `state ${state}` : `${program} is not a supervisor program`);
    },
  };
}

/** The proxied entry the auth checks use: one served by a running program if possible. */
async function proxiedEntry(probe: ContainerProbe, entries: PortalEntry[]): Promise<PortalEntry | undefined> {
  const proxied = entries.filter((e) => e.externalPort !== e.internalPort);
  const [states, labels] = await Promise.all([supervisorStates(probe), portalLabels(probe)]);
  const runningLabels = [...labels].filter(([program]) => states?.get(program) === 'RUNNING').map(([, label]) => label.toLowerCase());
  return proxied.find((e) => runningLabels.some((l) => e.label.toLowerCase().includes(l))) ?? proxied[0];
}

const entryUrl = (e: PortalEntry) => `http://127.0.0.1:${e.externalPort}${e.path}`;

/** Commands templates written for upstream's base call (its apt list, §3.7), which every image must have on PATH. */
export const TEMPLATE_TOOLS = [
  'wget',
  'curl',
  'ss',
  'lsof',
  'htop',
  'git',
  'git-lfs',
  'zip',
  'unzip',
  'dig',
  'netstat',
  'nc',
  'ping',
  'traceroute',
  'rsync',
  'jq',
  'vim',
  'nano',
  'strace',
  'unbuffer',
  'log-tee',
  'venv-backup.sh',
];

/** The variables the boot sets or defaults in every image, grafted ones included. */
const BOOT_DEFAULTED = ['WORKSPACE', 'DATA_DIRECTORY', 'HF_HOME', 'PORTAL_CONFIG'];

/** The boot environment every process sees: fixed in the image (ENV) or defaulted by the boot (HF_HOME). */
export const BOOT_ENVIRONMENT = [
  'IMAGE_TYPE',
  'NVIDIA_DRIVER_CAPABILITIES',
  'PYTHON_VERSION',
  'WORKSPACE',
  'DATA_DIRECTORY',
  'HF_HOME',
  'PIP_BREAK_SYSTEM_PACKAGES',
  'DEBIAN_FRONTEND',
  'PYTHONUNBUFFERED',
  'TCLLIBPATH',
  'UV_CACHE_DIR',
  'UV_NO_CACHE',
  'UV_LINK_MODE',
  'UV_PYTHON_BIN_DIR',
  'UV_PYTHON_INSTALL_DIR',
  'PORTAL_CONFIG',
];

/** NAME=value lines of /proc/<pid>/environ for the oldest process named `name`, as a map; undefined if none runs. */
async function processEnvironment(probe: ContainerProbe, name: string): Promise<Map<string, string> | undefined> {
  const result = await bash(probe, 'pid=$(pgrep -o -x "$1") && tr "\\0" "\\n" < "/proc/${pid}/environ"', name);
  return result.exitCode === 0 ? parseEnvLines(result.stdout) : undefined;
}

/** The environment of a login shell as `docker exec bash -lc` gets it. */
async function loginShellEnvironment(probe: ContainerProbe): Promise<Map<string, string>> {
  return parseEnvLines((await probe.exec(['bash', '-lc', 'env -0 | tr "\\0" "\\n"'])).stdout);
}

export function parseEnvLines(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, eq))) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

/** The managed block's `VAR=value` lines in /etc/environment; undefined when there is no block. */
export function threadCapBlock(environmentFile: string): Map<string, string> | undefined {
  const lines = environmentFile.split('\n');
  const start = lines.indexOf(CPU_THREAD_BLOCK.begin);
  if (start < 0) return undefined;
  const end = lines.indexOf(CPU_THREAD_BLOCK.end, start);
  return parseEnvLines(lines.slice(start + 1, end < 0 ? undefined : end).join('\n'));
}

export const GLOBAL_CHECKS: SmokeCheck[] = [
  {
    id: 'boot-stages-in-order',
    description: `every stage in ${BOOT_DIR} ran, in numeric order (${BOOT_LOG})`,
    async run({ probe }) {
      const [expected, log] = await Promise.all([stageFiles(probe), readFile(probe, BOOT_LOG)]);
      if (!expected.length) return fail(`no stages in ${BOOT_DIR}`);
      if (log === undefined) return fail(`${BOOT_LOG} is missing`);
      const started = startedStages(latestBootLines(log));
      const same = started.length === expected.length && started.every((s, i) => s === expected[i]);
      return same
        ? pass(`${started.length} stages: ${started[0]} .. ${started[started.length - 1]}`)
        : fail(`ran [${started.join(', ')}], expected [${expected.join(', ')}]`);
    },
  },
  {
    id: 'boot-stages-succeeded',
    description: 'no boot stage reported a failure (except those the scenario expects)',
    async run({ probe, expect }) {
      const log = await readFile(probe, BOOT_LOG);
      if (log === undefined) return fail(`${BOOT_LOG} is missing`);
      const failed = failedStages(latestBootLines(log)).filter((f) => !expect.allowedStageFailures.includes(f.stage));
      // A failure this boot logged stays logged: waiting cannot make it pass, so a broken image fails its smoke now.
      return failed.length ? wrongAnswer(failed.map((f) => `${f.stage}: ${f.reason}`).join('; ')) : pass('no unexpected stage failure');
    },
  },
  {
    id: 'supervisor-answers',
    description: 'supervisord answers supervisorctl status',
    async run({ probe }) {
      const states = await supervisorStates(probe);
      return states ? pass([...states].map(([name, state]) => `${name}=${state}`).join(' ')) : fail('supervisorctl status does not answer');
    },
  },
  runningCheck('caddy-running', 'caddy'),
  runningCheck('portal-auth-running', 'portal_auth'),
  runningCheck('jupyter-running', 'jupyter', (e) => (hasJupyter(e.portalEntries) ? undefined : 'Jupyter is not in PORTAL_CONFIG')),
  {
    id: 'portal-services-running',
    description: 'every service whose label is in PORTAL_CONFIG is RUNNING',
    async run({ probe, expect }) {
      const [states, labels] = await Promise.all([supervisorStates(probe), portalLabels(probe)]);
      if (!states) return fail('supervisorctl status does not answer');
      const listed = [...labels].filter(([, label]) => labelListed(label, expect.portalEntries));
      if (!listed.length) return skip('no service label is in PORTAL_CONFIG');
      const notRunning = listed.filter(([program]) => states.get(program) !== 'RUNNING');
      return notRunning.length
        ? fail(notRunning.map(([p]) => `${p} is ${states.get(p) ?? 'unknown'}`).join(', '))
        : pass(listed.map(([p]) => p).join(', '));
    },
  },
  {
    id: 'portal-yaml-matches-config',
    description: '/etc/portal.yaml lists exactly the PORTAL_CONFIG entries',
    async run({ probe, expect }) {
      const text = await readFile(probe, '/etc/portal.yaml');
      if (!text?.trim()) return fail('/etc/portal.yaml is missing or empty');
      const parsed = parsePortalYaml(text);
      if (!parsed.ok) return fail(parsed.errors.join('; '));
      const key = (e: PortalEntry) => `${e.hostname}:${e.externalPort}:${e.internalPort}:${e.path}:${e.label}`;
      const actual = parsed.entries.map(key);
      const wanted = expect.portalEntries.map(key);
      const same = actual.length === wanted.length && actual.every((a, i) => a === wanted[i]);
      return same ? pass(`${actual.length} entries`) : fail(`has [${actual.join(' | ')}], expected [${wanted.join(' | ')}]`);
    },
  },
  {
    id: 'provisioning-finished',
    description: `${IN_PROGRESS} is gone and provisioning left the marker it should`,
    async run({ probe, expect }) {
      const [busy, complete, failed] = await Promise.all([IN_PROGRESS, COMPLETE, FAILED].map((p) => fileExists(probe, p)));
      if (busy) return fail(`${IN_PROGRESS} still exists`);
      if (expect.provisioning === 'none') return pass(`no PROVISIONING_SCRIPT; ${IN_PROGRESS} removed`);
      if (expect.provisioning === 'complete') {
        if (!complete || failed) return fail(`${COMPLETE} ${complete ? 'present' : 'missing'}, ${FAILED} ${failed ? 'present' : 'absent'}`);
        if (expect.provisioningProof && !(await fileExists(probe, expect.provisioningProof)))
          return fail(`the script did not run: ${expect.provisioningProof} is missing`);
        return pass(`${COMPLETE} present`);
      }
      if (!failed || complete) return fail(`${FAILED} ${failed ? 'present' : 'missing'}, ${COMPLETE} ${complete ? 'present' : 'absent'}`);
      const log = (await readFile(probe, PROVISIONING_LOG)) ?? '';
      const why = log.split('\n').find((l) => l.includes('FAILED'));
      return why ? pass(`${FAILED} present; log: ${why.trim()}`) : fail(`${PROVISIONING_LOG} does not say why provisioning failed`);
    },
  },
  {
    id: 'unlisted-services-skipped',
    description: `a service whose label is not in PORTAL_CONFIG is skipped (${SKIP_DIR}/<name>)`,
    async run({ probe, expect }) {
      const [states, labels] = await Promise.all([supervisorStates(probe), portalLabels(probe)]);
      const unlisted = [...labels].filter(([, label]) => !labelListed(label, expect.portalEntries));
      if (!unlisted.length) return skip('every labelled service is in PORTAL_CONFIG; leave one out to check skipping');
      const problems: string[] = [];
      for (const [program, label] of unlisted) {
        if (!(await fileExists(probe, `${SKIP_DIR}/${program}`)))
          problems.push(`${SKIP_DIR}/${program} missing ('${label}' is not listed)`);
        if (states?.get(program) === 'RUNNING') problems.push(`${program} is RUNNING`);
      }
      return problems.length ? fail(problems.join('; ')) : pass(unlisted.map(([p, l]) => `${p} ('${l}')`).join(', '));
    },
  },
  {
    id: 'proxied-port-requires-auth',
    description: 'a proxied external port answers 401 without credentials',
    async run({ probe, expect }) {
      const entry = await proxiedEntry(probe, expect.portalEntries);
      if (!entry) return skip('PORTAL_CONFIG has no proxied entry (external port = internal port everywhere)');
      return judgeRefusal(entryUrl(entry), await httpStatus(probe, entryUrl(entry)), 401);
    },
  },
  {
    id: 'proxied-port-accepts-bearer',
    description: 'the same port answers 200 with Authorization: Bearer <OPEN_BUTTON_TOKEN>',
    async run({ probe, expect }) {
      const entry = await proxiedEntry(probe, expect.portalEntries);
      if (!entry) return skip('PORTAL_CONFIG has no proxied entry (external port = internal port everywhere)');
      const code = await httpStatus(probe, entryUrl(entry), [`Authorization: Bearer ${expect.token}`], true);
      return code === 200 ? pass(`${entryUrl(entry)} -> 200`) : fail(`${entryUrl(entry)} -> ${code || 'no answer'}, expected 200`);
    },
  },
  {
    id: 'unauthenticated-ports',
    description: `reports every port served without authentication, as portal-config logged it (${CADDY_LOG})`,
    async run({ probe }) {
      const log = await readFile(probe, CADDY_LOG);
      if (log === undefined) return fail(`${CADDY_LOG} is missing: portal-config did not run`);
      // The log gains a block per start of caddy; the latest one is what is served now.
      const lines = log.split('\n');
      const start = lines.map((l) => l.includes('portal-config: wrote ')).lastIndexOf(true);
      const open = lines
        .slice(Math.max(0, start))
        .filter((l) => l.includes(' has no authentication: '))
        .map((l) => l.replace(/^.*?portal-config: /, ''));
      return pass(open.length ? `UNAUTHENTICATED ${open.join('; ')}` : 'none: every served port asks for a login');
    },
  },
  {
    id: 'workspace-synced',
    description: 'every item of /opt/workspace-internal was copied to the workspace',
    async run({ probe, expect }) {
      const list = (dir: string) => bash(probe, 'find "$1" -mindepth 1 -maxdepth 1 -printf "%f\\n" 2>/dev/null | LC_ALL=C sort', dir);
      const [source, target] = await Promise.all([list('/opt/workspace-internal'), list(expect.workspace)]);
      const items = source.stdout.split('\n').filter(Boolean);
      if (!items.length) return skip('/opt/workspace-internal is empty');
      const present = new Set(target.stdout.split('\n').filter(Boolean));
      const missing = items.filter((i) => !present.has(i));
      if (missing.length) return fail(`missing in ${expect.workspace}: ${missing.join(', ')}`);
      if (expect.syncProbe) {
        const path = `${expect.workspace}/${expect.syncProbe.name}/${expect.syncProbe.file}`;
        const content = await readFile(probe, path);
        if (content?.trim() !== expect.syncProbe.content) return fail(`${path} does not hold what /opt/workspace-internal had`);
      }
      return pass(items.join(', '));
    },
  },
  {
    id: 'template-tools-on-path',
    description: `the commands templates call are on PATH (${TEMPLATE_TOOLS.join(' ')})`,
    async run({ probe }) {
      const result = await bash(probe, 'for c in "$@"; do command -v "$c" >/dev/null || echo "$c"; done', ...TEMPLATE_TOOLS);
      const missing = result.stdout.split('\n').filter(Boolean);
      return missing.length ? fail(`missing: ${missing.join(' ')}`) : pass(`${TEMPLATE_TOOLS.length} commands`);
    },
  },
  {
    id: 'service-logs-clean-twin',
    description: `each program's ${LOG_DIR}/<name>.log has its twin ${CLEAN_LOG_DIR}/<name>.log, without escape sequences or CRs (log-tee)`,
    async run({ probe }) {
      const states = await supervisorStates(probe);
      if (!states) return fail('supervisorctl status does not answer');
      const result = await bash(
        probe,
        'portal=$1 clean=$2 escapes=$3; shift 3; for p in "$@"; do [[ -s "$portal/$p.log" ]] || continue; ' +
          'if [[ ! -f "$clean/$p.log" ]]; then echo "missing $clean/$p.log"; ' +
          'elif grep -q "$escapes" "$clean/$p.log"; then echo "escapes in $clean/$p.log"; else echo "ok $p"; fi; done',
        LOG_DIR,
        CLEAN_LOG_DIR,
        '[\x1b\r]',
        ...states.keys(),
      );
      const lines = result.stdout.split('\n').filter(Boolean);
      const ok = lines.filter((l) => l.startsWith('ok ')).map((l) => l.slice(3));
      const problems = lines.filter((l) => !l.startsWith('ok '));
      if (problems.length) return fail(problems.join('; '));
      return ok.length ? pass(ok.join(', ')) : fail(`no program has a non-empty log in ${LOG_DIR}`);
    },
  },
  {
    id: 'boot-environment',
    description: 'the boot environment (image ENV, HF_HOME, PORTAL_CONFIG) is the same in a supervisor program and in `bash -lc`',
    async run({ probe }) {
      const [service, login] = await Promise.all([processEnvironment(probe, 'caddy'), loginShellEnvironment(probe)]);
      if (!service) return fail('no caddy process to read the environment of');
      const problems = BOOT_ENVIRONMENT.flatMap((name) => {
        const [a, b] = [service.get(name), login.get(name)];
        // The boot sets or defaults these in every image; the rest is image ENV, which an external image grafted onto
        // may not declare (its Dockerfile's ENV is its own): those must agree where either side has them.
        if (!a && BOOT_DEFAULTED.includes(name)) return [`${name} unset in caddy`];
        return a === b ? [] : [`${name}: caddy '${a ?? '(unset)'}', bash -lc '${b ?? '(unset)'}'`];
      });
      const hfHome = service.get('HF_HOME');
      if (hfHome && (await probe.exec(['test', '-d', hfHome])).exitCode !== 0) problems.push(`HF_HOME ${hfHome} is not a directory`);
      return problems.length ? fail(problems.join('; ')) : pass(`${BOOT_ENVIRONMENT.length} variables; HF_HOME=${hfHome}`);
    },
  },
  {
    id: 'cpu-thread-caps',
    description: 'thread pools are capped (12-cpu-thread-limits) exactly when pids.max < nproc*16, in /etc/environment and services',
    async run({ probe }) {
      const host = await bash(probe, 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max 2>/dev/null; nproc');
      const [pidsMax, nproc] = host.stdout.trim().split('\n');
      const low = /^\d+$/.test(pidsMax ?? '') && Number(pidsMax) < Number(nproc) * 16;
      const [file, service] = await Promise.all([readFile(probe, '/etc/environment'), processEnvironment(probe, 'caddy')]);
      if (file === undefined) return fail('/etc/environment is missing');
      if (!service) return fail('no caddy process to read the environment of');
      const block = threadCapBlock(file);
      const where = `pids.max=${pidsMax}, nproc=${nproc}`;
      if (!low) {
        if (block) return fail(`${where} is healthy, but /etc/environment has a cap block`);
        const set = CPU_THREAD_VARIABLES.filter((v) => service.has(v));
        return set.length ? fail(`${where} is healthy, but caddy has ${set.join(', ')}`) : pass(`${where}: no cap, as upstream`);
      }
      if (!block) return fail(`${where} is a low budget, but /etc/environment has no cap block`);
      const wrong = [...block].filter(([name, value]) => service.get(name) !== value).map(([name]) => name);
      return wrong.length ? fail(`caddy differs from the block on ${wrong.join(', ')}`) : pass(`${where}: ${[...block].join(' ')}`);
    },
  },
  {
    id: 'env-hash-stable',
    description: '/.env_hash is 12 hex digits and env-hash still computes the same value',
    async run({ probe }) {
      const [stored, now] = await Promise.all([readFile(probe, '/.env_hash'), probe.exec(['env-hash'])]);
      if (!stored || !/^[0-9a-f]{12}$/.test(stored.trim())) return fail(`/.env_hash is ${JSON.stringify(stored)}`);
      if (now.exitCode !== 0) return fail(`env-hash failed: ${now.stderr.trim()}`);
      return now.stdout.trim() === stored.trim() ? pass(stored.trim()) : fail(`built ${stored.trim()}, now ${now.stdout.trim()}`);
    },
  },
  {
    id: 'user-with-sudo',
    description: 'user is uid 1001, gid 0, with passwordless sudo',
    async run({ probe }) {
      const result = await bash(probe, 'echo "$(id -u user):$(id -g user)" && sudo -u user -- sudo -n true && echo sudo-ok');
      const [ids, sudo] = result.stdout.trim().split('\n');
      return ids === '1001:0' && sudo === 'sudo-ok'
        ? pass('1001:0, sudo ok')
        : fail(`id ${ids ?? '?'}, sudo ${sudo ?? 'failed'} ${result.stderr.trim()}`);
    },
  },
  {
    id: 'main-venv',
    description: '/venv/main is a working Python environment',
    async run({ probe }) {
      const result = await probe.exec(['/venv/main/bin/python', '-c', 'import sys; print(sys.prefix)']);
      return result.stdout.trim() === '/venv/main'
        ? pass('sys.prefix /venv/main')
        : fail(`exit ${result.exitCode}: ${result.stdout.trim()} ${result.stderr.trim()}`);
    },
  },
  {
    id: 'tls-pair-usable',
    description: '/etc/instance.crt and /etc/instance.key are a usable pair (cert-usable)',
    async run({ probe }) {
      const result = await probe.exec(['cert-usable']);
      return result.exitCode === 0 ? pass('usable') : fail(`cert-usable exit ${result.exitCode}: ${result.stderr.trim()}`);
    },
  },
  {
    id: 'first-boot-marker',
    description: '/.first_boot_complete exists after the first boot',
    async run({ probe }) {
      return (await fileExists(probe, '/.first_boot_complete')) ? pass('present') : fail('missing');
    },
  },
  {
    id: 'runtime-file-modes',
    description: `upstream's modes: log-tee's logs 0644, ${SKIP_DIR} 1777, /etc/portal.yaml 0644, launch scripts 0755`,
    async run({ probe }) {
      const result = await bash(
        probe,
        // The skip folder exists once some labelled service was skipped (the smoke leaves the Instance Portal out).
        'skip=(); [[ -e "$2" ]] && skip=("$2"); stat -c "%a %n" "$1/caddy.log" "${skip[@]}" /etc/portal.yaml "$3"/*.sh 2>&1',
        LOG_DIR,
        SKIP_DIR,
        SUPERVISOR_SCRIPTS_DIR,
      );
      const wrong = judgeModes(result.stdout, { [`${LOG_DIR}/caddy.log`]: '644', [SKIP_DIR]: '1777', '/etc/portal.yaml': '644' }, '755');
      return wrong.length ? fail(wrong.join('; ')) : pass(`${result.stdout.trim().split('\n').length} paths`);
    },
  },
  {
    id: 'venv-backup',
    description: 'boot stage 48 backed up pip freeze of /venv/main into $WORKSPACE/.venv-backups/<container>/, with a -latest link',
    async run({ probe, expect }) {
      const result = await bash(
        probe,
        'f=$(ls "$1"/.venv-backups/*/venv-main-latest.txt) && readlink "$f" && test -f "$f"',
        expect.workspace,
      );
      return result.exitCode === 0
        ? pass(`venv-main-latest.txt -> ${result.stdout.trim().split('\n').pop()}`)
        : fail(`no venv-main-latest.txt under ${expect.workspace}/.venv-backups: ${result.stderr.trim()}`);
    },
  },
  {
    id: 'portal-resolver',
    description: `Caddy answers ${PORTAL_RESOLVER_PATH} itself on a proxied port: 200, no login`,
    async run({ probe, expect }) {
      const entry = expect.portalEntries.find((e) => e.externalPort !== e.internalPort);
      if (!entry) return skip('PORTAL_CONFIG has no proxied entry');
      const url = `http://127.0.0.1:${entry.externalPort}${PORTAL_RESOLVER_PATH}`;
      const code = await httpStatus(probe, url);
      return code === 200 ? pass(`${url} -> 200 without credentials`) : fail(`${url} -> ${code || 'no answer'}, expected 200`);
    },
  },
  ...LAYOUT_CHECKS,
  CADDY_RESTART_CHECK,
  {
    id: 'service-log-kept-as-old',
    description: `a restarted program's previous logs are kept as .old (logging.sh): ${CADDY_LOG}.old and ${CLEAN_LOG_DIR}/caddy.log.old`,
    async run({ probe }) {
      const result = await bash(
        probe,
        'for f in "$@"; do [[ -s "$f" ]] || echo "$f"; done',
        `${CADDY_LOG}.old`,
        `${CLEAN_LOG_DIR}/caddy.log.old`,
      );
      const missing = result.stdout.split('\n').filter(Boolean);
      return missing.length ? fail(`missing or empty after the caddy restart: ${missing.join(', ')}`) : pass('both kept');
    },
  },
];

/**
 * The paths of `stat -c "%a %n"` output whose mode is not the one wanted (`modes` by path, `otherwise` for the rest),
 * and the paths stat could not read.
 */
export function judgeModes(statOutput: string, modes: Record<string, string>, otherwise: string): string[] {
  return statOutput
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const match = /^(\d+) (.+)$/.exec(line);
      if (!match) return [line.replace(/^stat: /, '')];
      const wanted = modes[match[2]] ?? otherwise;
      return match[1] === wanted ? [] : [`${match[2]} is ${match[1]}, expected ${wanted}`];
    });
}

/** Checks only some images need: keyed by Nx project name. */
export const IMAGE_CHECKS: Record<string, SmokeCheck[]> = {
  'base-image': [
    runningCheck('cron-running', 'cron'),
    {
      id: 'jupyter-answers-internally',
      description: 'Jupyter answers on 127.0.0.1:18080 without a token (Caddy does the auth)',
      async run({ probe, expect }) {
        if (!hasJupyter(expect.portalEntries)) return skip('Jupyter is not in PORTAL_CONFIG');
        const code = await httpStatus(probe, 'http://127.0.0.1:18080/api');
        return code === 200 ? pass('/api -> 200') : fail(`/api -> ${code || 'no answer'}`);
      },
    },
    {
      id: 'jupyter-main-kernel',
      description: 'Jupyter offers /venv/main as a kernel',
      async run({ probe }) {
        const text = await readFile(probe, '/usr/local/share/jupyter/kernels/main/kernel.json');
        return text?.includes('/venv/main/bin/python')
          ? pass('kernel main -> /venv/main/bin/python')
          : fail('no kernel "main" for /venv/main');
      },
    },
    notReadyCheck('jupyter', (entries) => entries.find((e) => e.externalPort !== e.internalPort && labelListed('jupyter', [e]))),
    syncthingCheck((entries) => entries.find((e) => e.externalPort !== e.internalPort && labelListed('syncthing', [e]))),
  ],
  pytorch: [
    {
      id: 'torch-in-main-venv',
      description: '`import torch` works in /venv/main, and torch computes',
      async run({ probe }) {
        const result = await probe.exec([
          '/venv/main/bin/python',
          '-c',
          'import torch; x = torch.ones(2, 3); print(torch.__version__, (x @ x.T).sum().item())',
        ]);
        const out = result.stdout.trim();
        return result.exitCode === 0 && out.endsWith(' 12.0')
          ? pass(`torch ${out.split(' ')[0]}`)
          : fail(`exit ${result.exitCode}: ${(result.stderr || out).trim().split('\n').pop()}`);
      },
    },
    {
      id: 'torch-facts-in-env',
      description: 'PYTORCH_VERSION and PYTORCH_BACKEND are in the environment, for children to pin against (as upstream exports them)',
      async run({ probe }) {
        const result = await bash(probe, 'echo "${PYTORCH_VERSION:-}|${PYTORCH_BACKEND:-}"');
        const [version, backend] = result.stdout.trim().split('|');
        return version && backend
          ? pass(`PYTORCH_VERSION=${version} PYTORCH_BACKEND=${backend}`)
          : fail(`PYTORCH_VERSION='${version ?? ''}' PYTORCH_BACKEND='${backend ?? ''}'`);
      },
    },
  ],
};
