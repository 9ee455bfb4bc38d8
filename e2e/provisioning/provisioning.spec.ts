// PROVISIONING_MANIFEST for real: the local base booted on a Docker network this suite creates, with the manifest
// served over https by a stand-in in a sidecar container (fake Hugging Face, a simple index with a wheel built here,
// a bare git repository over git's dumb http). apt goes to Debian, for real. Then a restart re-runs nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerLogs, run } from '@vast/plugin/testing';
import { PROVISIONING_LOG, PROVISIONING_MARKERS, provisioningMarkerPath } from '@vast/conventions';
import { buildWheel, HF_TOKEN, makeBareRepo } from '@vast/provisioner/testing';
import { buildLocalBaseImage } from '../support/local-base-image';
import { eventually } from '../support/eventually';
import { makeTestCa, type TestCa } from '../support/test-ca';

const suffix = randomBytes(4).toString('hex');
const NETWORK = `wt-provisioner-e2e-net-${suffix}`;
const SIDECAR = `wt-provisioner-e2e-standin-${suffix}`;
const INSTANCE = `wt-provisioner-e2e-instance-${suffix}`;
const COMPLETE = provisioningMarkerPath(PROVISIONING_MARKERS.complete);

const MANIFEST = `version: 1
on_failure: {max_retries: 1}
settings: {retry: {max_attempts: 2, initial_delay: 1}}
apt_packages: [tree]
pip_packages:
  - packages: ["standin-pkg==1.2.3"]
    args: "--index-url http://standin:8080/simple/ --trusted-host standin"
git_repos:
  - {url: "http://standin:8080/static/app.git", dest: /workspace/app, ref: v1}
downloads:
  - {url: "https://huggingface.co/org/model/resolve/main/weights.safetensors", dest: /workspace/models/}
write_files:
  - {path: /workspace/written.txt, content: "written by the manifest for \${CONTAINER_LABEL:-the instance}"}
services:
  - {name: standin-app, command: "python3 -m http.server 17860", portal_search_term: "Stand-in App", port: 17860}
`;

let image: string;
let dir: string;
let ca: TestCa;

const docker = (args: string[], timeoutMs = 120_000) => run('docker', args, { reject: false, timeoutMs });
async function dockerOk(args: string[]) {
  const result = await docker(args);
  if (result.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}
/** A command's output in the instance, trimmed (as `run` returns it). */
const sh = async (script: string) => (await docker(['exec', INSTANCE, 'bash', '-c', script])).stdout;

beforeAll(async () => {
  image = await buildLocalBaseImage();
  dir = mkdtempSync(join(tmpdir(), 'wt-provisioner-e2e-'));
  ca = makeTestCa('wt-provisioner-e2e-ca-', ['standin']);
  const standin = join(dir, 'standin');
  mkdirSync(join(standin, 'wheels'), { recursive: true });
  mkdirSync(join(standin, 'static'), { recursive: true });
  buildWheel(join(standin, 'wheels'), 'standin_pkg', '1.2.3');
  makeBareRepo(join(standin, 'static'), 'app');
  writeFileSync(join(standin, 'manifest.yaml'), MANIFEST);
  writeFileSync(join(standin, 'server.key'), ca.key);
  writeFileSync(join(standin, 'server.crt'), ca.cert);
  await build({
    entryPoints: [join(__dirname, 'stand-in-main.ts')],
    outfile: join(standin, 'stand-in.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    logLevel: 'warning',
  });
  const caDir = join(dir, 'ca');
  mkdirSync(caDir);
  cpSync(ca.caFile, join(caDir, 'ca.crt'));

  await dockerOk(['network', 'create', NETWORK]);
  // The sidecar is the same image (it has node), running only the stand-in.
  await dockerOk([
    'create',
    '--name',
    SIDECAR,
    '--network',
    NETWORK,
    '--network-alias',
    'standin',
    '--entrypoint',
    'node',
    image,
    '/standin/stand-in.cjs',
    '/standin',
  ]);
  await dockerOk(['cp', standin, `${SIDECAR}:/standin`]);
  await dockerOk(['start', SIDECAR]);
  await eventually('the stand-in to listen', async () => (await containerLogs(SIDECAR, 5)).includes('stand-in ready'), {
    timeoutMs: 30_000,
  });

  await dockerOk([
    'create',
    '--name',
    INSTANCE,
    '--network',
    NETWORK,
    '-e',
    'PROVISIONING_MANIFEST=https://standin:8443/manifest.yaml',
    '-e',
    'NODE_EXTRA_CA_CERTS=/opt/e2e-ca/ca.crt',
    '-e',
    'HF_ENDPOINT=http://standin:8080',
    '-e',
    `HF_TOKEN=${HF_TOKEN}`,
    '-e',
    'OPEN_BUTTON_TOKEN=e2e-provisioning-0123456789',
    '-e',
    'PORTAL_CONFIG=localhost:1111:11111:/:Instance Portal|localhost:7860:17860:/:Stand-in App',
    image,
  ]);
  await dockerOk(['cp', caDir, `${INSTANCE}:/opt/e2e-ca`]);
  await dockerOk(['start', INSTANCE]);
}, 30 * 60_000);

afterAll(async () => {
  for (const name of [INSTANCE, SIDECAR]) await docker(['rm', '-f', name]);
  await docker(['network', 'rm', NETWORK]);
  ca?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PROVISIONING_MANIFEST on the local base', () => {
  it('installs, clones, downloads with the token, writes, starts the service, and leaves /.provisioning_complete', async () => {
    await eventually(`${COMPLETE}`, async () => (await docker(['exec', INSTANCE, 'test', '-e', COMPLETE])).exitCode === 0, {
      timeoutMs: 8 * 60_000,
      intervalMs: 3000,
      describeLast: () => containerLogs(INSTANCE, 120),
    });
    expect(await sh('dpkg-query -W -f "\\${Status}" tree')).toBe('install ok installed');
    expect(await sh('/venv/main/bin/python -c "import standin_pkg; print(standin_pkg.VERSION)"')).toBe('1.2.3');
    expect(await sh('cat /workspace/app/VERSION')).toBe('v1');
    expect(await sh('cat /workspace/models/weights.safetensors')).toBe('fake safetensors');
    expect(await sh('cat /workspace/written.txt')).toBe('written by the manifest for the instance');
    expect((await docker(['exec', INSTANCE, 'test', '-e', provisioningMarkerPath(PROVISIONING_MARKERS.failed)])).exitCode).toBe(1);
    await eventually('standin-app RUNNING', async () => /^standin-app\s+RUNNING/.test(await sh('supervisorctl status standin-app')));
    // The service's label is in the portal's configuration (its exit_portal gate passed: it runs).
    expect(await sh('cat /etc/portal.yaml')).toContain('Stand-in App');
    const log = await sh(`cat ${PROVISIONING_LOG}`);
    expect(log).toMatch(
      /Stage apt: running[\s\S]*Stage git: running[\s\S]*Stage pip: running[\s\S]*Stage downloads: running[\s\S]*Stage services: running/,
    );
    expect(log).toContain('Provisioning complete!');
    expect(JSON.parse(await sh('cat /run/provisioning-progress.json'))).toMatchObject({ state: 'complete' });
  });

  it('re-runs nothing when the container restarts', async () => {
    const before = await sh(`stat -c %Y ${COMPLETE}`);
    await dockerOk(['restart', INSTANCE]);
    await eventually(
      'the second boot past stage 75',
      async () => (await sh('grep -c " 75-provisioning" /var/log/vast-boot.log')).trim() === '2',
      {
        timeoutMs: 3 * 60_000,
      },
    );
    await eventually('standin-app RUNNING again', async () => /^standin-app\s+RUNNING/.test(await sh('supervisorctl status standin-app')));
    expect(await sh(`stat -c %Y ${COMPLETE}`)).toBe(before);
    expect((await sh(`grep -c "Provisioner starting" ${PROVISIONING_LOG}`)).trim()).toBe('1');
    expect(await containerLogs(INSTANCE, 400)).toContain('already complete (/.provisioning_complete); not provisioning again');
  });
});
