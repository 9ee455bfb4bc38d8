import { describe, expect, it } from 'vitest';
import {
  failedStages,
  GLOBAL_CHECKS,
  judgeModes,
  labelListed,
  latestBootLines,
  parseEnvLines,
  parsePortalLabels,
  startedStages,
  threadCapBlock,
  type SmokeExpectations,
} from './checks';
import type { ContainerProbe, ProbeResult } from './probe';

const BOOT_LOG = [
  '2026-01-01T00:00:00Z boot-start pid=1',
  '2026-01-01T00:00:00Z 05-configure-cuda',
  '2026-01-01T00:00:00Z 99-old',
  '2026-01-01T00:01:00Z boot-start pid=1',
  '2026-01-01T00:01:00Z 05-base-image-env',
  '2026-01-01T00:01:00Z 75-provisioning',
  '2026-01-01T00:01:00Z 75-provisioning command failed (exit 22): curl -fsSL https://example.invalid/p.sh',
  '2026-01-01T00:01:00Z 75-provisioning failed (exit 1); continuing',
  '2026-01-01T00:01:00Z 95-supervisor-wait',
  '',
].join('\n');

const entries = [
  { hostname: 'localhost', externalPort: 8080, internalPort: 18080, path: '/', label: 'Jupyter' },
  { hostname: 'localhost', externalPort: 8080, internalPort: 8080, path: '/terminals/1', label: 'Jupyter Terminal' },
];

const expectations = (over: Partial<SmokeExpectations> = {}): SmokeExpectations => ({
  portalEntries: entries,
  token: 't',
  provisioning: 'complete',
  workspace: '/workspace',
  allowedStageFailures: [],
  ...over,
});

/** A probe that answers from a table of files and commands, like a container would. */
function fakeProbe(files: Record<string, string>, commands: Record<string, Partial<ProbeResult>> = {}): ContainerProbe {
  return {
    async exec(argv) {
      const ok = (stdout: string): ProbeResult => ({ exitCode: 0, stdout, stderr: '' });
      const missing: ProbeResult = { exitCode: 1, stdout: '', stderr: 'No such file' };
      if (argv[0] === 'cat') return argv[2] in files ? ok(files[argv[2]]) : missing;
      if (argv[0] === 'test') return argv[2] in files ? ok('') : missing;
      const key = argv[0] === 'bash' ? `bash:${argv[2]}` : argv.join(' ');
      const answer = Object.entries(commands).find(([k]) => key.includes(k))?.[1];
      return { exitCode: 0, stdout: '', stderr: '', ...answer };
    },
  };
}

const check = (id: string) => {
  const found = GLOBAL_CHECKS.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

/** Runs check `id` against a container that holds `files`. */
const runCheck = (id: string, files: Record<string, string>, over: Partial<SmokeExpectations> = {}) =>
  check(id).run({ probe: fakeProbe(files), expect: expectations(over) });

describe('boot log parsing', () => {
  it('keeps only the latest boot and separates started from failed stages', () => {
    const lines = latestBootLines(BOOT_LOG);
    expect(startedStages(lines)).toEqual(['05-base-image-env', '75-provisioning', '95-supervisor-wait']);
    expect(failedStages(lines)).toEqual([
      { stage: '75-provisioning', reason: 'command failed (exit 22): curl -fsSL https://example.invalid/p.sh' },
      { stage: '75-provisioning', reason: 'failed (exit 1); continuing' },
    ]);
  });
});

describe('parsePortalLabels', () => {
  it('reads single-quoted, double-quoted and bare labels, and unescapes quotes', () => {
    const grep = [
      "/opt/supervisor-scripts/jupyter.sh:. /opt/supervisor-scripts/utils/exit_portal.sh 'Jupyter'",
      '/opt/supervisor-scripts/instance_portal.sh:. /opt/supervisor-scripts/utils/exit_portal.sh "Instance Portal"',
      '/opt/supervisor-scripts/ollama.sh:. /opt/supervisor-scripts/utils/exit_portal.sh ollama',
      "/opt/supervisor-scripts/odd.sh:. /opt/supervisor-scripts/utils/exit_portal.sh 'Bob'\\''s UI'",
    ].join('\n');
    expect([...parsePortalLabels(grep)]).toEqual([
      ['jupyter', 'Jupyter'],
      ['instance_portal', 'Instance Portal'],
      ['ollama', 'ollama'],
      ['odd', "Bob's UI"],
    ]);
  });

  it('matches labels as exit_portal.sh does: case-insensitive substrings', () => {
    expect(labelListed('jupyter', entries)).toBe(true);
    expect(labelListed('Instance Portal', entries)).toBe(false);
  });
});

describe('checks against a scripted container', () => {
  it('boot-stages-in-order fails when a stage is missing from the log', async () => {
    const probe = fakeProbe(
      { '/var/log/vast-boot.log': BOOT_LOG },
      { 'bash:cd "$1"': { stdout: '05-base-image-env\n65-supervisor-launch\n75-provisioning\n95-supervisor-wait\n' } },
    );
    const outcome = await check('boot-stages-in-order').run({ probe, expect: expectations() });
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain('expected [05-base-image-env, 65-supervisor-launch');
  });

  it('boot-stages-succeeded tolerates only the failures the scenario allows; a logged failure is final (no waiting)', async () => {
    const probe = fakeProbe({ '/var/log/vast-boot.log': BOOT_LOG });
    expect(await check('boot-stages-succeeded').run({ probe, expect: expectations() })).toMatchObject({ status: 'fail', final: true });
    expect(
      (await check('boot-stages-succeeded').run({ probe, expect: expectations({ allowedStageFailures: ['75-provisioning'] }) })).status,
    ).toBe('pass');
  });

  it('provisioning-finished wants the failure marker and a reason in the log when the script fails', async () => {
    const run = (files: Record<string, string>) => runCheck('provisioning-finished', files, { provisioning: 'failed' });
    expect((await run({ '/.provisioning': '' })).detail).toBe('/.provisioning still exists');
    expect((await run({ '/.provisioning_failed': '' })).status).toBe('fail');
    const outcome = await run({
      '/.provisioning_failed': '',
      '/var/log/portal/provisioning.log': '[provisioning] FAILED: /provisioning.sh exited with status 7\n',
    });
    expect(outcome).toEqual({
      status: 'pass',
      detail: '/.provisioning_failed present; log: [provisioning] FAILED: /provisioning.sh exited with status 7',
    });
  });

  it('unlisted-services-skipped fails when a left-out service is running anyway', async () => {
    const probe = fakeProbe(
      {},
      {
        'supervisorctl status': { exitCode: 0, stdout: 'instance_portal   RUNNING   pid 1, uptime 0:01:00\njupyter   RUNNING   pid 2' },
        'bash:grep -H': {
          stdout: "/opt/supervisor-scripts/instance_portal.sh:. /opt/supervisor-scripts/utils/exit_portal.sh 'Instance Portal'\n",
        },
      },
    );
    const outcome = await check('unlisted-services-skipped').run({ probe, expect: expectations() });
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toBe(
      "/tmp/supervisor-skip/instance_portal missing ('Instance Portal' is not listed); instance_portal is RUNNING",
    );
  });

  it('portal-yaml-matches-config compares every field of every entry', async () => {
    const yaml = [
      'applications:',
      '  Jupyter:',
      '    hostname: localhost',
      '    external_port: 8080',
      '    internal_port: 18081',
      '    open_path: /',
      '    name: Jupyter',
      '',
    ].join('\n');
    const outcome = await runCheck('portal-yaml-matches-config', { '/etc/portal.yaml': yaml });
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain('localhost:8080:18081:/:Jupyter');
  });
});

describe('unauthenticated-ports', () => {
  it('reports the ports the latest start of caddy served without authentication', async () => {
    const log = [
      'portal-config: wrote /etc/Caddyfile',
      'portal-config: port 9000 (Old) has no authentication: listed in AUTH_EXCLUDE',
      'portal-config: wrote /etc/portal-auth.json (root only)',
      'portal-config: wrote /etc/Caddyfile',
      'portal-config: port 6006 (Board) has no authentication: direct entry (external port = internal port): the application listens there itself and Caddy does not gate it',
      '',
    ].join('\n');
    const outcome = await runCheck('unauthenticated-ports', { '/var/log/portal/caddy.log': log });
    expect(outcome).toEqual({
      status: 'pass',
      detail:
        'UNAUTHENTICATED port 6006 (Board) has no authentication: direct entry (external port = internal port): the application listens there itself and Caddy does not gate it',
    });
    const none = await runCheck('unauthenticated-ports', { '/var/log/portal/caddy.log': 'portal-config: wrote /etc/Caddyfile\n' });
    expect(none).toEqual({ status: 'pass', detail: 'none: every served port asks for a login' });
    expect((await runCheck('unauthenticated-ports', {})).status).toBe('fail');
  });
});

describe('environment and thread-cap parsing', () => {
  it('reads NAME=value lines, values with = and empty values included, and skips what is not a variable', () => {
    const env = parseEnvLines('A=1\nPORTAL_CONFIG=localhost:1:2:/:x=y\nEMPTY=\nnot a line\n=bad\n');
    expect([...env]).toEqual([
      ['A', '1'],
      ['PORTAL_CONFIG', 'localhost:1:2:/:x=y'],
      ['EMPTY', ''],
    ]);
  });

  it("reads the cap block's values from /etc/environment, and nothing outside it", () => {
    const file = [
      '# Template controlled environment for C.1',
      'OMP_NUM_THREADS="3"',
      '# VAST_CPU_THREAD_CAPS_BEGIN (ADR 0014, managed — do not edit)',
      '# OMP_NUM_THREADS: left at user/template value',
      'MKL_NUM_THREADS=4',
      '# VAST_CPU_THREAD_CAPS_END',
      '',
    ].join('\n');
    expect([...threadCapBlock(file)!]).toEqual([['MKL_NUM_THREADS', '4']]);
    expect(threadCapBlock('PATH="/bin"\n')).toBeUndefined();
  });
});

describe('cpu-thread-caps', () => {
  const probe = (pidsMax: string, environment: string, caddyEnv: string) =>
    fakeProbe({ '/etc/environment': environment }, { 'pids.max': { stdout: `${pidsMax}\n2\n` }, pgrep: { stdout: caddyEnv } });
  const run = (p: ContainerProbe) => check('cpu-thread-caps').run({ probe: p, expect: expectations() });

  it('passes a healthy host with no block and no cap, and fails one that capped anyway', async () => {
    expect((await run(probe('max', 'PATH="/bin"\n', 'PATH=/bin\n'))).status).toBe('pass');
    expect((await run(probe('max', 'PATH="/bin"\n', 'OMP_NUM_THREADS=2\n'))).detail).toMatch(/healthy, but caddy has OMP_NUM_THREADS/);
  });

  it('fails a low budget without a block, and passes one whose services carry the block', async () => {
    const block = '# VAST_CPU_THREAD_CAPS_BEGIN (ADR 0014, managed — do not edit)\nOMP_NUM_THREADS=2\n# VAST_CPU_THREAD_CAPS_END\n';
    expect((await run(probe('20', 'PATH="/bin"\n', 'PATH=/bin\n'))).detail).toMatch(/low budget, but .* no cap block/);
    expect((await run(probe('20', block, 'OMP_NUM_THREADS=2\n'))).status).toBe('pass');
    expect((await run(probe('20', block, 'OMP_NUM_THREADS=16\n'))).detail).toMatch(/differs from the block on OMP_NUM_THREADS/);
  });
});

describe('runtime-file-modes', () => {
  const modes = { '/var/log/portal/caddy.log': '644', '/tmp/supervisor-skip': '1777', '/etc/portal.yaml': '644' };
  it("passes upstream's modes, and names each path that differs or is missing", () => {
    const ok = '644 /var/log/portal/caddy.log\n1777 /tmp/supervisor-skip\n644 /etc/portal.yaml\n755 /opt/supervisor-scripts/caddy.sh\n';
    expect(judgeModes(ok, modes, '755')).toEqual([]);
    const bad =
      "664 /var/log/portal/caddy.log\n755 /tmp/supervisor-skip\nstat: cannot statx '/etc/portal.yaml': No such file or directory\n700 /opt/supervisor-scripts/x.sh\n";
    expect(judgeModes(bad, modes, '755')).toEqual([
      '/var/log/portal/caddy.log is 664, expected 644',
      '/tmp/supervisor-skip is 755, expected 1777',
      "cannot statx '/etc/portal.yaml': No such file or directory",
      '/opt/supervisor-scripts/x.sh is 700, expected 755',
    ]);
  });
});
