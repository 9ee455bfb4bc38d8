import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '@nx/devkit';
import { localRootImageOf, normalizeLocalRootOptions, PLATFORM_ROOT_DOCKERFILE, planLocalRoot } from './lib/plan-local-root';

describe('planLocalRoot', () => {
  it('bootstraps, packs and imports with plain argv', () => {
    const options = normalizeLocalRootOptions({});
    expect(options).toEqual({
      suite: 'bookworm',
      image: 'vast-local/bookworm:latest',
      mirror: 'http://deb.debian.org/debian',
      force: false,
      dryRun: false,
    });
    expect(planLocalRoot(options, '/tmp/w', '/usr/bin/docker').map((s) => [s.command, ...s.args])).toEqual([
      ['debootstrap', '--variant=minbase', 'bookworm', '/tmp/w/rootfs', 'http://deb.debian.org/debian'],
      ['tar', '--numeric-owner', '-C', '/tmp/w/rootfs', '-cf', '/tmp/w/rootfs.tar', '.'],
      ['/usr/bin/docker', 'import', '--change', 'CMD ["/bin/bash"]', '/tmp/w/rootfs.tar', 'vast-local/bookworm:latest'],
    ]);
  });

  it("makes one platform's root under its own tag: debootstrap --arch, then a BuildKit build for that platform", () => {
    const options = normalizeLocalRootOptions({ platform: 'linux/arm64' });
    expect(localRootImageOf(options)).toBe('vast-local/bookworm:latest-arm64');
    expect(planLocalRoot(options, '/tmp/w', 'docker').map((s) => [s.command, ...s.args, ...Object.entries(s.env ?? {}).flat()])).toEqual([
      ['debootstrap', '--arch=arm64', '--variant=minbase', 'bookworm', '/tmp/w/rootfs', 'http://deb.debian.org/debian'],
      ['tar', '--numeric-owner', '-C', '/tmp/w/rootfs', '-cf', '/tmp/w/context/rootfs.tar', '.'],
      [
        'docker',
        'build',
        '--platform',
        'linux/arm64',
        '--tag',
        'vast-local/bookworm:latest-arm64',
        '/tmp/w/context',
        'DOCKER_BUILDKIT',
        '1',
      ],
    ]);
    expect(PLATFORM_ROOT_DOCKERFILE).toBe('FROM scratch\nADD rootfs.tar /\nCMD ["/bin/bash"]\n');
  });

  it('takes suite, image and mirror from options, dry run from NX_DRY_RUN', () => {
    const options = normalizeLocalRootOptions({ suite: 'trixie', image: 'x/y:z', mirror: 'http://m/debian' }, { NX_DRY_RUN: 'true' });
    expect(options.dryRun).toBe(true);
    expect(planLocalRoot(options, '/w', 'docker')[0].args).toEqual(['--variant=minbase', 'trixie', '/w/rootfs', 'http://m/debian']);
  });
});

// End to end with fake binaries first on PATH (execa's fixture style): the real executor, real exec, no engine.
describe('local-root executor with fake tools', () => {
  let bin: string;
  let savedPath: string | undefined;
  let savedDocker: string | undefined;
  let errors: string[];
  let logs: string[];

  const fake = (name: string, script: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, name), 0o755);
  };

  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'local-root-spec-'));
    for (const tool of ['sh', 'cat', 'echo']) symlinkSync(`/bin/${tool}`, join(bin, tool));
    savedPath = process.env.PATH;
    savedDocker = process.env.VAST_DOCKER;
    process.env.PATH = bin;
    process.env.VAST_DOCKER = 'docker';
    errors = [];
    logs = [];
    vi.spyOn(logger, 'error').mockImplementation((line: string) => void errors.push(line));
    vi.spyOn(logger, 'log').mockImplementation((line: string) => void logs.push(line));
  });

  afterEach(() => {
    process.env.PATH = savedPath;
    if (savedDocker === undefined) delete process.env.VAST_DOCKER;
    else process.env.VAST_DOCKER = savedDocker;
    vi.restoreAllMocks();
    rmSync(bin, { recursive: true, force: true });
  });

  const runExecutor = async (options = {}) => (await import('./executor')).default(options);

  it('says how to install debootstrap when it is missing', async () => {
    fake('docker', 'exit 0');
    expect(await runExecutor()).toEqual({ success: false });
    expect(errors).toEqual(['local-root: debootstrap is not installed. Install it: apt-get install -y debootstrap']);
  });

  it('says how to start the engine when docker cannot reach one', async () => {
    fake('debootstrap', 'exit 0');
    fake('docker', 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1');
    expect(await runExecutor()).toEqual({ success: false });
    expect(errors[0]).toMatch(
      /^local-root: docker: no Docker engine answers \(Cannot connect to the Docker daemon.*\)\. Start dockerd: dockerd /,
    );
  });

  it('skips when the image exists, unless forced', async () => {
    fake('debootstrap', 'echo debootstrap-ran >&2; exit 9');
    fake('docker', 'exit 0');
    expect(await runExecutor()).toEqual({ success: true });
    expect(logs).toEqual(['local-root: vast-local/bookworm:latest already exists, skipped (force: true rebuilds it)']);
    // Forced: debootstrap runs and its failure names the step.
    expect(await runExecutor({ force: true })).toEqual({ success: false });
    expect(errors).toEqual([
      'local-root: step 1/3 (debootstrap bookworm (minbase) from http://deb.debian.org/debian) failed: debootstrap exited with 9; its output is above.',
    ]);
  });

  it('prints the plan and runs nothing in a dry run', async () => {
    expect(await runExecutor({ dryRun: true })).toEqual({ success: true });
    expect(logs[0]).toBe(
      'local-root: debootstrap bookworm (minbase) from http://deb.debian.org/debian\n  debootstrap --variant=minbase bookworm <tmp>/rootfs http://deb.debian.org/debian',
    );
    expect(logs).toHaveLength(3);
  });
});
