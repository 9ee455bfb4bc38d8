import { describe, expect, it } from 'vitest';
import type { PortalEntry } from '@vast/conventions';
import { judgeCudaSkip, judgeManifest, judgeTool, LAYOUT_CHECKS } from './layout-checks';
import type { ContainerProbe, ProbeResult } from './probe';

const check = (id: string) => LAYOUT_CHECKS.find((c) => c.id === id)!;
const noExpectations = {} as never;

/** A container that answers bash scripts by their first argument after the script name. */
function probeAnswering(answers: (argv: string[]) => ProbeResult): ContainerProbe {
  return { exec: async (argv) => answers(argv) };
}

describe('layout smoke checks', () => {
  it('judgeCudaSkip wants the skip line of the latest boot', () => {
    const boot = (...lines: string[]) => ['t0 boot-start pid=1', ...lines.map((l) => `t1 ${l}`)].join('\n');
    expect(judgeCudaSkip(boot('05-configure-cuda', '05-configure-cuda skipped: no NVIDIA driver'))).toEqual({
      status: 'pass',
      detail: '05-configure-cuda skipped: no NVIDIA driver',
    });
    expect(judgeCudaSkip(boot('05-configure-cuda', '10-prep-env')).status).toBe('fail');
    expect(judgeCudaSkip(`${boot('05-configure-cuda', '05-configure-cuda skipped: x')}\nt2 boot-start pid=1\nt3 10-prep-env`).detail).toBe(
      'stage 05-configure-cuda did not run',
    );
  });

  it('judgeManifest wants JSON, schema_version 1 and every portal entry as a service, in order', () => {
    const entries = [{ label: 'Jupyter' }, { label: 'Instance Portal' }] as PortalEntry[];
    const manifest = (services: string[]) =>
      JSON.stringify({ schema_version: 1, services: services.map((name) => ({ name, supervisor_process: 'p' })) });
    expect(judgeManifest(manifest(['Jupyter', 'Instance Portal']), entries)).toEqual({
      status: 'pass',
      detail: 'Jupyter=p, Instance Portal=p',
    });
    expect(judgeManifest(manifest(['Jupyter']), entries).detail).toBe('services [Jupyter], expected [Jupyter, Instance Portal]');
    expect(judgeManifest('{', entries).status).toBe('fail');
    expect(judgeManifest(undefined, entries).detail).toBe('/etc/vast_capabilities.json is missing');
  });

  it('judgeTool: a tool must be executable, exit as expected and print what a working tool prints', () => {
    expect(judgeTool('env-hash', true, { exitCode: 0, output: '0123456789ab\n' })).toBeUndefined();
    expect(judgeTool('env-hash', false)).toBe('env-hash: not an executable file in /opt/instance-tools/bin');
    expect(judgeTool('env-hash', true, { exitCode: 0, output: 'Traceback' })).toContain("printed 'Traceback'");
    expect(judgeTool('cert-usable', true, { exitCode: 0, output: '' })).toContain('exit 0, expected 1');
    expect(judgeTool('cert-usable', true, { exitCode: 1, output: 'cert-usable: /nonexistent.crt is missing' })).toBeUndefined();
    expect(judgeTool('entrypoint.sh', true)).toBeUndefined();
    expect(judgeTool('vast-capabilities', true, { exitCode: 1, output: 'ERROR: could not reach the portal' })).toBe(
      'vast-capabilities: exit 1, expected 0 (ERROR: could not reach the portal)',
    );
  });

  it('instance-tools fails when PATH finds another copy of a tool first', async () => {
    const probe = probeAnswering((argv) => {
      if (argv[0] === 'test') return { exitCode: 0, stdout: '', stderr: '' };
      if (argv[2] === 'command -v "$1"')
        return { exitCode: 0, stdout: argv[4] === 'jupyter' ? '/usr/bin/jupyter\n' : `/opt/instance-tools/bin/${argv[4]}\n`, stderr: '' };
      const tool = argv[4];
      const out: Record<string, string> = {
        'cert-usable': 'cert-usable: missing',
        'env-hash': 'abcdefabcdef',
        'cuda-driver-version': 'cuda-driver-version: no native libcuda.so.1 (no NVIDIA driver in this container)',
        caddy: 'v2.6.2',
        'vast-capabilities': '{\n  "schema_version": 1\n}\n>>> The output above is this instance\'s LIVE STATE, not the operating guide.',
      };
      return { exitCode: ['cert-usable', 'cuda-driver-version'].includes(tool) ? 1 : 0, stdout: out[tool] ?? '', stderr: '' };
    });
    const outcome = await check('instance-tools').run({ probe, expect: noExpectations });
    expect(outcome).toEqual({ status: 'fail', detail: "jupyter: PATH finds '/usr/bin/jupyter', not /opt/instance-tools/bin/jupyter" });
  });

  it('agent-guide reads the guide and both links of the workspace the container was started with', async () => {
    const links: Record<string, string> = { '/ws/AGENTS.md': '/etc/vast-agents-guide.md', '/ws/CLAUDE.md': '/etc/vast-agents-guide.md' };
    // Runs the check's script the way bash would, on a table of files: $1 the guide, $2 the workspace.
    const probe = probeAnswering(([, , , , guide, workspace]) => ({
      exitCode: 0,
      stdout: [
        guide === '/etc/vast-agents-guide.md' ? '# Agent guide for this instance' : '',
        links[`${workspace}/AGENTS.md`],
        links[`${workspace}/CLAUDE.md`],
      ].join('\n'),
      stderr: '',
    }));
    const expectations = { workspace: '/ws' } as never;
    expect(await check('agent-guide').run({ probe, expect: expectations })).toEqual({
      status: 'pass',
      detail: '/ws/{AGENTS,CLAUDE}.md -> /etc/vast-agents-guide.md',
    });
    expect((await check('agent-guide').run({ probe, expect: { workspace: '/other' } as never })).status).toBe('fail');
  });

  it('portal-aio passes only when the link resolves to the portal and the portal is there', async () => {
    const answer = (stdout: string, exitCode: number) => probeAnswering(() => ({ exitCode, stdout, stderr: '' }));
    expect((await check('portal-aio').run({ probe: answer('/opt/portal\n', 0), expect: noExpectations })).status).toBe('pass');
    expect((await check('portal-aio').run({ probe: answer('/opt/portal-aio\n', 1), expect: noExpectations })).detail).toBe(
      "/opt/portal-aio resolves to '/opt/portal-aio', expected /opt/portal",
    );
    expect((await check('portal-aio').run({ probe: answer('/opt/portal\n', 1), expect: noExpectations })).detail).toBe(
      '/opt/portal-aio/portal.cjs is missing',
    );
  });
});
