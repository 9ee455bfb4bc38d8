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
import {
  BOOT_DIR,
  BOOT_LOG,
  PROVISIONING_LOG,
  PROVISIONING_MARKERS,
  provisioningMarkerPath,
  TLS_SELF_SIGNED_MARKER,
} from '@vast/conventions';
import { buildWheel, HF_TOKEN, makeBareRepo } from '@vast/provisioner/testing';
import { buildLocalBaseImage } from '../support/local-base-image';
import { eventually } from '../support/eventually';
import { makeTestCa, TEST_CA_NAME, type TestCa } from '@vast/conventions/testing';

const suffix = randomBytes(4).toString('hex');
const NETWORK = `wt-provisioner-e2e-net-${suffix}`;
const SIDECAR = `wt-provisioner-e2e-standin-${suffix}`;
const INSTANCE = `wt-provisioner-e2e-instance-${suffix}`;
const COMPLETE = provisioningMarkerPath(PROVISIONING_MARKERS.complete);
const SIGN_INSTANCE_ID = '4711';
const FAILED = provisioningMarkerPath(PROVISIONING_MARKERS.failed);
const OPEN_BUTTON_TOKEN = 'e2e-provisioning-0123456789';

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
/** A GET of the Instance Portal's API from inside the instance, through Caddy with the instance token. */
const portalApi = (path: string) => sh(`curl -sf -H "Authorization: Bearer ${OPEN_BUTTON_TOKEN}" http://127.0.0.1:1111/${path}`);
/** What the stand-in's webhook receiver got, read over the suite's https origin. */
const webhooks = async () => JSON.parse(await sh('curl -sf --cacert /opt/e2e-ca/ca.crt https://standin:8443/webhooks')) as unknown[];

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
  cpSync(ca.caFile, join(standin, 'ca.crt'));
  cpSync(ca.caKeyFile, join(standin, 'ca.key'));
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
    // Boot stage 55 asks the stand-in to sign the instance certificate (as the Vast console would), trusting the test CA.
    '-e',
    `CONTAINER_ID=${SIGN_INSTANCE_ID}`,
    '-e',
    'VAST_CERT_SIGN_URL=https://standin:8443/api/v0/sign_cert/',
    '-e',
    'CURL_CA_BUNDLE=/opt/e2e-ca/ca.crt',
    '-e',
    'NODE_EXTRA_CA_CERTS=/opt/e2e-ca/ca.crt',
    '-e',
    'HF_ENDPOINT=http://standin:8080',
    '-e',
    `HF_TOKEN=${HF_TOKEN}`,
    '-e',
    `OPEN_BUTTON_TOKEN=${OPEN_BUTTON_TOKEN}`,
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
    expect((await docker(['exec', INSTANCE, 'test', '-e', FAILED])).exitCode).toBe(1);
    await eventually('standin-app RUNNING', async () => /^standin-app\s+RUNNING/.test(await sh('supervisorctl status standin-app')));
    // The service's label is in the portal's configuration (its exit_portal gate passed: it runs), and the portal's
    // API, through Caddy with the instance token, lists the label and the running program, as a browser would see them.
    expect(await sh('cat /etc/portal.yaml')).toContain('Stand-in App');
    const applications = JSON.parse(await portalApi('get-applications')) as Record<string, { internal_port: number }>;
    expect(applications['Stand-in App']).toMatchObject({ internal_port: 17860 });
    const processes = JSON.parse(await portalApi('supervisor/processes')) as { name: string; state: string }[];
    expect(processes.find((p) => p.name === 'standin-app')?.state).toBe('RUNNING');
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

  it('refuses a gated Hugging Face download without the token', async () => {
    // The provisioner boot runs, in this instance, on a manifest of one gated file with HF_TOKEN empty; its own state
    // directory, log and progress file, so the instance's provisioning record stays as its boots left it.
    await sh(
      [
        'mkdir -p /tmp/no-token',
        `printf '%s\\n' 'version: 1' 'on_failure: {max_retries: 1}' 'settings: {retry: {max_attempts: 1}}' 'downloads:' '  - {url: "https://huggingface.co/org/model/resolve/main/config.json", dest: /tmp/no-token/models/}' >/tmp/no-token/manifest.yaml`,
      ].join(' && '),
    );
    const result = await docker([
      'exec',
      ...[
        '-e',
        'HF_TOKEN=',
        '-e',
        'PROVISIONER_STATE_DIR=/tmp/no-token/state',
        '-e',
        'PROVISIONER_LOG_FILE=/tmp/no-token/provisioning.log',
      ],
      ...['-e', 'PROVISIONER_PROGRESS_FILE=/tmp/no-token/progress.json', INSTANCE, 'provisioner', '/tmp/no-token/manifest.yaml'],
    ]);
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(1);
    expect(`${result.stdout}\n${result.stderr}`).toMatch(/config\.json.*401/);
    expect((await docker(['exec', INSTANCE, 'test', '-e', '/tmp/no-token/models/config.json'])).exitCode).toBe(1);
  });
});

// Boot stage 55 (upstream-runtime.md §3.5) in the same instance: the CSR goes to the signer (the stand-in plays the
// Vast console), and a refusing or absent signer leaves a self-signed pair and an attempt count, up to 3.
describe('TLS signing at boot (stage 55) against a stand-in signer', () => {
  const TLS_STAGE = `${BOOT_DIR}/55-tls-cert-gen.sh`;
  /**
   * Runs stage 55 again in the instance with another signing URL; returns what it printed. With ENABLE_HTTPS=true, so
   * the stage runs in line (with HTTPS off it makes the pair in the background, and would return before it is made).
   */
  const runStage = async (signUrl: string) =>
    (
      await docker([
        'exec',
        '-e',
        `VAST_CERT_SIGN_URL=${signUrl}`,
        '-e',
        'ENABLE_HTTPS=true',
        INSTANCE,
        'bash',
        '-c',
        `source ${TLS_STAGE} 2>&1`,
      ])
    ).stdout;

  it('installs the certificate the signer returns for the instance key, with the instance id, and no marker', async () => {
    // This instance boots with HTTPS off, so stage 55 makes the pair in the background: wait for the signed one.
    await eventually('the signed certificate', async () =>
      (await sh('openssl x509 -in /etc/instance.crt -noout -issuer 2>&1 || true')).includes(TEST_CA_NAME),
    );
    expect(await sh('openssl x509 -in /etc/instance.crt -noout -issuer')).toContain(TEST_CA_NAME);
    expect((await docker(['exec', INSTANCE, 'cert-usable'])).exitCode).toBe(0);
    expect(await sh('stat -c %a /etc/instance.crt /etc/instance.key')).toBe('644\n600');
    expect((await docker(['exec', INSTANCE, 'test', '-e', TLS_SELF_SIGNED_MARKER])).exitCode).toBe(1);
    expect(await containerLogs(INSTANCE, 1000)).toContain('Instance certificate signed by the Vast console');
    expect(await containerLogs(SIDECAR, 200)).toContain(`sign_cert instance_id=${SIGN_INSTANCE_ID} content-type=application/octet-stream`);
  });

  it('self-signs when the signer refuses or is absent, retries on the next boots, and gives up after 3', async () => {
    await sh('rm -f /etc/instance.crt');
    expect(await runStage('https://standin:8443/refuse/')).toContain('attempt 1/3; will retry next boot');
    const subject = await sh('openssl x509 -in /etc/instance.crt -noout -subject -issuer');
    expect(subject).toMatch(/^subject=C = US, ST = CA, CN = jupyter\.vast\.ai\nissuer=C = US, ST = CA, CN = jupyter\.vast\.ai$/);
    expect(await sh('openssl x509 -in /etc/instance.crt -noout -ext subjectAltName')).toContain('IP Address:0.0.0.0');
    expect(await sh(`cat ${TLS_SELF_SIGNED_MARKER}`)).toBe('1');
    // Absent: nothing listens there (connection refused, retried as upstream's curl does).
    expect(await runStage('https://standin:9/')).toContain('attempt 2/3; will retry next boot');
    expect(await runStage('https://standin:8443/refuse/')).toContain('attempt 3/3; giving up — keeping the self-signed cert');
    const kept = await sh('sha256sum /etc/instance.crt');
    expect(await runStage('https://standin:8443/api/v0/sign_cert/')).not.toContain('[tls]');
    expect(await sh('sha256sum /etc/instance.crt')).toBe(kept);
    expect(await sh(`cat ${TLS_SELF_SIGNED_MARKER}`)).toBe('3');
    expect((await docker(['exec', INSTANCE, 'cert-usable'])).exitCode).toBe(0);
  });
});

describe('a failed provisioning run in the same instance', () => {
  // Last in the file: it leaves the instance failed. The stand-in serves a manifest whose download has the wrong SHA-256,
  // and the instance boots again (a real boot: stage 75 fetches the manifest, the provisioner fails, the stage records it).
  it('fails the run on a checksum mismatch: /.provisioning_failed, the webhook told, the instance up with its services', async () => {
    const wrong = '0'.repeat(64);
    const manifest = [
      'version: 1',
      'on_failure: {max_retries: 1, webhook: "http://standin:8080/hook"}',
      'settings: {retry: {max_attempts: 1}}',
      'downloads:',
      `  - {url: "http://standin:8080/files/plain.bin", dest: /workspace/mismatch/plain.bin, sha256: "${wrong}"}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'standin', 'manifest.yaml'), manifest);
    await dockerOk(['cp', join(dir, 'standin', 'manifest.yaml'), `${SIDECAR}:/standin/manifest.yaml`]);
    await sh(`rm -f ${COMPLETE}`);
    await dockerOk(['restart', INSTANCE]);
    await eventually(`${FAILED}`, async () => (await docker(['exec', INSTANCE, 'test', '-e', FAILED])).exitCode === 0, {
      timeoutMs: 3 * 60_000,
      intervalMs: 2000,
      describeLast: () => containerLogs(INSTANCE, 120),
    });
    expect((await docker(['exec', INSTANCE, 'test', '-e', COMPLETE])).exitCode).toBe(1);
    expect((await docker(['exec', INSTANCE, 'test', '-e', '/workspace/mismatch/plain.bin'])).exitCode).toBe(1);
    const log = await sh(`cat ${PROVISIONING_LOG}`);
    expect(log).toContain(`the manifest expects ${wrong}; the file was removed`);
    await eventually('the failure webhook', async () => (await webhooks()).length > 0);
    expect(await webhooks()).toEqual([
      expect.objectContaining({
        action: 'continue',
        manifest: 'https://standin:8443/manifest.yaml',
        error: expect.stringMatching(/^provisioning failed: .*SHA-256 is [0-9a-f]{64}, the manifest expects 0{64}/),
      }),
    ]);
    // The failure stops provisioning, not the instance: its services and the portal keep running.
    expect((await docker(['inspect', '-f', '{{.State.Running}}', INSTANCE])).stdout).toBe('true');
    await eventually('standin-app RUNNING after the failed boot', async () =>
      /^standin-app\s+RUNNING/.test(await sh('supervisorctl status standin-app')),
    );
    expect(Object.keys(JSON.parse(await portalApi('get-applications')))).toContain('Stand-in App');
  });
});
