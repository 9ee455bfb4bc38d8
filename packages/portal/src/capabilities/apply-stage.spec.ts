import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_BANNER_LINE } from '@vast/conventions/capabilities';
import { applyCapabilitiesStage } from './apply-stage';
import { parseListeningPorts, parseNvidiaDriverVersion } from './read-facts';

let root: string;
const put = (path: string, content: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};
const read = (path: string) => readFileSync(join(root, path), 'utf8');

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'capabilities-stage-'));
  put(
    'etc/vast_capabilities.d/10-base-image.yaml',
    'image: {name: base-image}\nservices: [{program: jupyter, portal_label: Jupyter, ports: [{label: Jupyter, external_port: 8080, internal_port: 18080}]}]\n',
  );
  put('etc/vast_capabilities.d/30-app.yaml', 'image: {name: app}\npython_environments: [{name: main, path: /venv/main, description: x}]\n');
  put('etc/vast_capabilities.d/20-broken.yaml', ': : not yaml [');
  put('venv/main/pyvenv.cfg', 'home = /usr/bin\n');
  put(
    'etc/portal.yaml',
    'applications:\n  Jupyter:\n    hostname: localhost\n    external_port: 8080\n    internal_port: 18080\n    open_path: /\n    name: Jupyter\n',
  );
  put('.provisioning', '');
  put(
    'proc/net/tcp',
    '  sl  local_address rem_address   st\n   0: 00000000:46A0 00000000:0000 0A 0\n   1: 0100007F:2B67 00000000:0000 01 0\n',
  );
  put('etc/vast_agents/base.md', '# Base\n');
  put('etc/vast_agents/app.md', '# App\n');
  put('etc/banner', 'Welcome\nAI agents: stale\n');
  mkdirSync(join(root, 'workspace'));
  mkdirSync(join(root, 'root'));
  put('home/user/CLAUDE.md', 'the user wrote this\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function run(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const ok = applyCapabilitiesStage({
    env: { WORKSPACE: '/workspace', ...env },
    root,
    now: new Date('2026-02-03T04:05:06.789Z'),
    log: (l) => lines.push(l),
  });
  return { ok, lines };
}

describe('boot stage 80 (capabilities.cjs boot) on a container folder', () => {
  it('writes the snapshot from the fragments, the portal entries and the markers, skipping a broken fragment', () => {
    const { ok, lines } = run({ VAST_TCP_PORT_8080: '40000' });
    expect(ok).toBe(true);
    expect(lines[0]).toBe('Wrote /etc/vast_capabilities.json');
    const manifest = JSON.parse(read('etc/vast_capabilities.json'));
    expect(manifest).toMatchObject({
      schema_version: 1,
      generated_at: '2026-02-03T04:05:06Z',
      image: { name: 'app', repo: 'https://github.com/vast-ai/base-image' },
      provisioning: { status: 'in_progress' },
      python_environments: [{ name: 'main', kind: 'venv' }],
      services: [{ name: 'Jupyter', supervisor_process: 'jupyter', internal_port: 18080, mapped_port: '40000' }],
    });
    expect(manifest.instance.open_ports).toEqual([
      { proto: 'tcp', container_port: 8080, public_port: '40000', in_use: true, service: 'Jupyter' },
    ]);
  });

  it('writes the guide in order, links AGENTS.md and CLAUDE.md where nothing of the user is, and refreshes the banner line', () => {
    symlinkSync('/etc/vast_agents/base.md', join(root, 'root/AGENTS.md'));
    const { lines } = run();
    const guide = read('etc/vast-agents-guide.md');
    expect(guide.indexOf('=== base.md ===')).toBeLessThan(guide.indexOf('=== app.md ==='));
    expect(guide).toContain('  1. base.md — Base\n  2. app.md — App\n');
    expect(readlinkSync(join(root, 'workspace/AGENTS.md'))).toBe('/etc/vast-agents-guide.md');
    expect(readlinkSync(join(root, 'workspace/CLAUDE.md'))).toBe('/etc/vast-agents-guide.md');
    expect(readlinkSync(join(root, 'root/AGENTS.md'))).toBe('/etc/vast-agents-guide.md');
    expect(read('home/user/CLAUDE.md')).toBe('the user wrote this\n');
    expect(lines).toContain('Leaving existing /home/user/CLAUDE.md untouched');
    expect(read('etc/banner')).toBe(`Welcome\n${AGENT_BANNER_LINE}\n`);
    run({ ENABLE_AGENT_BANNER: 'false' });
    expect(read('etc/banner')).toBe('Welcome\n');
  });

  it('writes no guide and no links without base.md', () => {
    rmSync(join(root, 'etc/vast_agents/base.md'));
    expect(run().ok).toBe(true);
    expect(() => read('etc/vast-agents-guide.md')).toThrow();
    expect(() => readlinkSync(join(root, 'workspace/AGENTS.md'))).toThrow();
  });
});

describe('recorded /proc outputs', () => {
  it('reads LISTEN sockets from /proc/net/tcp', () => {
    expect(parseListeningPorts(read('proc/net/tcp'))).toEqual([18080]);
  });

  it("reads the driver's version from /proc/driver/nvidia/version", () => {
    const recorded =
      'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n';
    expect(parseNvidiaDriverVersion(recorded)).toBe('550.54.14');
    expect(parseNvidiaDriverVersion('NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03  Release Build')).toBe('560.35.03');
  });
});
