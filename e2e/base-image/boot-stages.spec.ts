// The optional boot stages for real: each is given the input it acts on (a fake GPU driver, SSH keys, a git repository,
// a hotfix script, --sync-home, a custom environment), in an image built FROM the local base image with those files
// added, then booted, restarted and inspected.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_LOG } from '@vast/conventions';
import {
  readFile,
  supervisorStates,
  startSmokeContainer,
  type SmokeContainer,
  latestBootLines,
  startedStages,
  failedStages,
  containerLogs,
  dockerCommand,
  inspectContainer,
  run,
} from '@vast/plugin/testing';
import { buildLocalBaseImage } from '../support/local-base-image';
import { eventually } from '../support/eventually';

const FIXTURE_IMAGE = 'vast-e2e-boot-stages:latest';
const BOOT_SCRIPT_TOKEN = 'e2e-boot-script-token';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2e e2e@test';

/** Files the fixture image adds over the base image: path -> [content, mode]. */
const FIXTURE_FILES: Record<string, [string, number]> = {
  // A driver that supports CUDA 12.4, and two toolkits: 12.8 (with forward-compat libraries) and 12.4. The stage asks
  // the driver through cuda-driver-version (tested on its own in cuda-driver-version.spec.ts), stood in for here;
  // nvidia-smi's text claims 99.9, so a stage that read it would pick 12.8 without forward compatibility.
  'usr/local/bin/nvidia-smi': ['#!/bin/bash\necho "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 99.9 |"\n', 0o755],
  'opt/instance-tools/bin/cuda-driver-version': ['#!/bin/bash\n[[ "$*" == --native ]] && echo 12.4\n', 0o755],
  'usr/local/cuda-12.4/lib64/.keep': ['', 0o644],
  'usr/local/cuda-12.8/lib64/.keep': ['', 0o644],
  'usr/local/cuda-12.8/compat/libcuda.so.1': ['not a real library\n', 0o644],
  'root/.ssh/authorized_keys': [`${SSH_KEY}\n`, 0o600],
  'opt/workspace-internal/repo/.git/HEAD': ['ref: refs/heads/main\n', 0o644],
  'opt/workspace-internal/repo/README.md': ['from the image\n', 0o644],
  // The platform's login banner: --no-agent-banner keeps stage 80 from adding its line.
  'etc/banner': ['Welcome to the e2e instance\n', 0o644],
  'opt/e2e/hotfix.sh': ['#!/bin/bash\necho "hotfix ran as $(id -un)"\ntouch /tmp/e2e-hotfix-ran\n', 0o755],
};

let dir: string;
let container: SmokeContainer | undefined;

beforeAll(async () => {
  const base = await buildLocalBaseImage();
  dir = mkdtempSync(join(tmpdir(), 'vast-e2e-boot-stages-'));
  for (const [path, [content, mode]] of Object.entries(FIXTURE_FILES)) {
    const full = join(dir, 'root', path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, content);
    chmodSync(full, mode);
  }
  chmodSync(join(dir, 'root/root/.ssh'), 0o700);
  writeFileSync(join(dir, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\nCOPY root/ /\n');
  const build = await run(dockerCommand(), ['build', '--build-arg', `BASE=${base}`, '-t', FIXTURE_IMAGE, dir], {
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
    reject: false,
    timeoutMs: 10 * 60_000,
  });
  if (build.exitCode !== 0) throw new Error(`fixture build failed:\n${build.stderr}`);

  container = await startSmokeContainer({
    image: FIXTURE_IMAGE,
    portalConfig: 'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter',
    token: 'e2e-stages-token',
    provisioning: { kind: 'default' },
    namePrefix: 'vast-e2e-boot-stages',
    args: ['--sync-home', '--bogus-flag', '--sync-environment', '--no-update-portal', '--no-update-vast', '--no-agent-banner'],
    env: {
      HOTFIX_SCRIPT: '/opt/e2e/hotfix.sh',
      // Plain http: refused by fetch-script, so the container boots with the default runner; the token must not show.
      BOOT_SCRIPT: `http://127.0.0.1:9/boot.sh?token=${BOOT_SCRIPT_TOKEN}`,
      CONTAINER_ID: '4242',
      // With an instance id, stage 55 asks the Vast console to sign: keep that request on loopback (refused; self-signed).
      VAST_CERT_SIGN_URL: 'https://127.0.0.1:9/sign_cert/',
      E2E_QUOTED: 'say "hi" to $HOME `now` \\o/',
    },
  });
  await waitForBoot();
});

afterAll(async () => {
  if (container) {
    await container.remove();
  }
  await run(dockerCommand(), ['image', 'rm', '--force', FIXTURE_IMAGE], { reject: false });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits up to two minutes for the latest boot to start its last stage; returns that boot's log lines either way. */
async function waitForBoot(): Promise<string[]> {
  const deadline = Date.now() + 120_000;
  let lines: string[] = [];
  while (Date.now() < deadline) {
    lines = latestBootLines((await readFile(container!.probe, BOOT_LOG)) ?? '');
    if (startedStages(lines).includes('95-supervisor-wait')) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return lines;
}

const sh = async (script: string) => {
  const result = await container!.probe.exec(['bash', '-c', script]);
  return result.stdout.trim();
};

describe('boot stages with their inputs present', () => {
  it('boots with no stage failure and warns about the unknown flag', async () => {
    const lines = latestBootLines((await readFile(container!.probe, BOOT_LOG)) ?? '');
    expect(failedStages(lines)).toEqual([]);
    expect(await containerLogs(container!.id)).toContain("boot: ignoring unknown flag '--bogus-flag'");
  });

  it('says which flags it ignored and why: none is ignored silently', async () => {
    const logs = await containerLogs(container!.id, 100_000);
    expect(logs).toContain('boot: --no-update-portal ignored: the portal is part of this image; no boot stage updates it');
    expect(logs).toContain(
      'boot: --no-update-vast ignored: this image has no vast-cli checkout to update (the production profile has one)',
    );
    // Stage 80 reads ENABLE_AGENT_BANNER: that flag works, so it is not among the ignored.
    expect(logs).not.toContain('--no-agent-banner ignored');
    expect(await sh('cat /etc/banner')).toBe('Welcome to the e2e instance');
  });

  it('37: --sync-environment copies /venv/main into the workspace, keyed by /.env_hash, and links it back', async () => {
    const hash = await sh('cat /.env_hash');
    expect(await sh('readlink /venv/main')).toBe(`/workspace/.environment_sync/${hash}/venv/main`);
    expect(await sh(`ls -A /workspace/.environment_sync/${hash}`)).toBe('.synced\nvenv');
    expect(await sh('/venv/main/bin/python -c "import sys; print(sys.prefix)"')).toBe('/venv/main');
  });

  it('48: backs up pip freeze of each venv into the workspace, with a -latest link', async () => {
    // In the background since boot stage 48: give it the time a pip freeze takes.
    const latest = await eventually(
      'the backup',
      async () => (await sh('readlink /workspace/.venv-backups/4242/venv-main-latest.txt')) || undefined,
    );
    expect(latest).toMatch(/^venv-main-\d{4}-\d\d-\d\d-\d{4}\.txt$/);
    expect(Number(await sh('grep -c "==" /workspace/.venv-backups/4242/venv-main-latest.txt'))).toBeGreaterThan(0);
    expect(await sh('cat /workspace/.venv-backups/4242/backup.log')).toMatch(/\/venv\/main: \d+ packages -> venv-main-/);
  });

  it("65: renders the portal config beside supervisord's start, so no service waits for it; a restart of caddy renders again", async () => {
    expect(await containerLogs(container!.id, 100_000)).toContain('portal-config: wrote /etc/Caddyfile');
    expect(await containerLogs(container!.id, 100_000)).not.toContain('Waiting for /etc/portal.yaml');
    // Caddy's first start took the boot's render (its marker is gone) instead of rendering the same again.
    expect(await sh('ls /run/portal-config.fresh /run/portal-config.rendering 2>&1 | grep -c "No such file"')).toBe('2');
    expect(await sh('grep -c "portal-config:" /var/log/portal/caddy.log || true')).toBe('0');
    await sh('supervisorctl restart caddy');
    await eventually(
      'caddy rendering again on its restart',
      async () => (await sh('grep -c "portal-config: wrote /etc/Caddyfile" /var/log/portal/caddy.log || true')) === '1',
      {
        timeoutMs: 60_000,
      },
    );
    await eventually(
      'caddy RUNNING after its restart',
      async () => (await supervisorStates(container!.probe))?.get('caddy') === 'RUNNING',
      { timeoutMs: 60_000 },
    );
  });

  it('05: picks the newest toolkit with forward compatibility when the driver (asked, not nvidia-smi) is older', async () => {
    expect(await sh('readlink /usr/local/cuda')).toBe('/usr/local/cuda-12.8');
    expect(await sh('cat /etc/ld.so.conf.d/0-compat-cuda.conf')).toBe('/usr/local/cuda-12.8/compat');
    expect(await sh('cat /etc/ld.so.conf.d/10-cuda.conf')).toBe('/usr/local/cuda/lib64');
    expect(await sh('test -e /etc/vast-cuda-compat-established && echo yes')).toBe('yes');
  });

  it('10: writes /etc/environment once for the container, quoting values so they read back exactly', async () => {
    expect(await sh('head -n 1 /etc/environment')).toBe('# Template controlled environment for C.4242');
    expect(await sh('set -a; . /etc/environment; printf %s "$E2E_QUOTED"')).toBe('say "hi" to $HOME `now` \\o/');
    expect(await sh('grep -c "^HOME=" /etc/environment || true')).toBe('0');
  });

  it('refuses an http BOOT_SCRIPT, says so without its query string, and boots with the default runner', async () => {
    const logs = await containerLogs(container!.id, 100_000);
    expect(logs).toContain('fetch-script: BOOT_SCRIPT is http://127.0.0.1:9/boot.sh?<redacted>: only https:// URLs are fetched');
    expect(logs).toContain(
      'entrypoint: could not fetch BOOT_SCRIPT (see above); booting with /opt/instance-tools/bin/boot_default.sh instead',
    );
    expect(logs).not.toContain(BOOT_SCRIPT_TOKEN);
    expect(await sh('test -e /opt/instance-tools/bin/boot_custom.sh && echo present || echo absent')).toBe('absent');
  });

  it('15: runs HOTFIX_SCRIPT and logs it', async () => {
    expect(await sh('test -e /tmp/e2e-hotfix-ran && echo yes')).toBe('yes');
    const log = await readFile(container!.probe, '/var/log/hotfix.log');
    expect(log).toContain('fetch-script: copying HOTFIX_SCRIPT from /opt/e2e/hotfix.sh');
    expect(log).toContain('hotfix ran as root');
  });

  it('35: --sync-home moves the homes to the workspace and keeps .ssh local', async () => {
    expect(await sh('readlink /root')).toBe('/workspace/home/root');
    expect(await sh('readlink /home/user')).toBe('/workspace/home/user');
    expect(await sh('readlink /workspace/home/root/.ssh')).toBe('/home_ssh/root/.ssh');
    expect(await sh('test -e /workspace/home/.synced && echo yes')).toBe('yes');
  });

  it('36 + 47: syncs the repository and marks it safe for root and user', async () => {
    expect(await sh('cat /workspace/repo/README.md')).toBe('from the image');
    expect(await sh('git config --file /root/.gitconfig --get-all safe.directory')).toBe('/workspace/repo');
    expect(await sh('git config --file /home/user/.gitconfig --get-all safe.directory')).toBe('/workspace/repo');
  });

  it("46: gives user root's SSH keys, owned by user", async () => {
    expect(await sh('cat /home/user/.ssh/authorized_keys')).toBe(SSH_KEY);
    expect(await sh('stat -c "%U %a" /home/user/.ssh /home/user/.ssh/authorized_keys')).toBe('user 700\nuser 600');
  });

  it('first boot pulls the vast-cli checkout unless --no-update-vast, and a failed pull keeps it', async () => {
    // The production profile installs this script as first_boot/05-update-vast.sh; the local one has no checkout, so
    // the test makes one, cloned from a repository that then moves on.
    const git = 'git -c user.email=e2e@example.invalid -c user.name=e2e';
    await sh(
      [
        'set -e',
        'rm -rf /tmp/vc-src /tmp/vc-origin.git /opt/vast-cli',
        `git init -q /tmp/vc-src && echo 1 >/tmp/vc-src/f && ${git} -C /tmp/vc-src add f && ${git} -C /tmp/vc-src commit -qm one`,
        'git clone -q --bare /tmp/vc-src /tmp/vc-origin.git && git clone -q /tmp/vc-origin.git /opt/vast-cli',
        `echo 2 >/tmp/vc-src/f && ${git} -C /tmp/vc-src commit -qam two && git -C /tmp/vc-src push -q /tmp/vc-origin.git HEAD`,
      ].join('\n'),
    );
    const update = (flag: boolean) => container!.probe.exec(['bash', '-c', `update_vast_cli=${flag}; . /opt/vast-base/update-vast-cli.sh`]);
    const subject = () => sh('git -C /opt/vast-cli log -1 --format=%s');
    try {
      expect((await update(false)).stdout).toContain('vast-cli: not updated (--no-update-vast or SERVERLESS)');
      expect(await subject()).toBe('one');
      const pulled = await update(true);
      expect(pulled.stdout).toMatch(/vast-cli: updated to [0-9a-f]+ \d{4}-\d{2}-\d{2}/);
      expect(await subject()).toBe('two');
      await sh('rm -rf /tmp/vc-origin.git');
      const failed = await update(true);
      expect(failed.exitCode).toBe(0);
      expect(failed.stderr).toContain('vast-cli: update failed; keeping');
      expect(await subject()).toBe('two');
    } finally {
      await sh('rm -rf /tmp/vc-src /tmp/vc-origin.git /opt/vast-cli');
    }
  });

  it('45: adds the shell setup to .bashrc once, and a login shell starts in the workspace with /venv/main and umask 002', async () => {
    expect(await sh('grep -c "### vast boot setup ###" /root/.bashrc')).toBe('1');
    expect(await sh('bash -ic "pwd; echo \\$VIRTUAL_ENV; umask" 2>/dev/null')).toBe('/workspace\n/venv/main\n0002');
  });

  it("a restart boots again without redoing first-boot work or losing the user's edits", async () => {
    await sh('echo "edited by the user" > /workspace/repo/README.md; echo "E2E_EDIT=\\"kept\\"" >> /etc/environment');
    const restart = await run(dockerCommand(), ['restart', '--time', '20', container!.id], { reject: false, timeoutMs: 120_000 });
    expect(restart.exitCode).toBe(0);
    const lines = await waitForBoot();
    expect(await sh(`grep -c boot-start ${BOOT_LOG}`)).toBe('2');
    expect(failedStages(lines)).toEqual([]);
    expect(await sh('cat /workspace/repo/README.md')).toBe('edited by the user');
    expect(await sh('grep E2E_EDIT /etc/environment')).toBe('E2E_EDIT="kept"');
    expect(await sh('grep -c "### vast boot setup ###" /root/.bashrc')).toBe('1');
    expect(await inspectContainer(container!.id, '{{.State.Running}}')).toBe('true');
    const states = await eventually(
      'caddy RUNNING after the restart',
      async () => {
        const s = await supervisorStates(container!.probe);
        return s?.get('caddy') === 'RUNNING' ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(states.get('caddy')).toBe('RUNNING');
    // /etc/environment wins over the container's environment, in the services too.
    expect(await sh('tr "\\0" "\\n" < /proc/$(pgrep -o -x caddy)/environ | grep ^E2E_EDIT=')).toBe('E2E_EDIT=kept');
  });
});
