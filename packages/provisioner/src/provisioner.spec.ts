import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXIT_CONFIG_REFUSED, EXIT_FAILED, EXIT_OK, Logger, provision, type ProvisionerOptions } from './index';
import { buildWheel, HF_TOKEN, httpsManifestServer, makeBareRepo, startStandIn, type StandIn } from './testing/stand-in';

const FETCH_SCRIPT_DIR = resolve(__dirname, '../../images/base-image/ROOT/opt/instance-tools/bin');
let standIn: StandIn;
let dir: string;

beforeAll(async () => {
  standIn = await startStandIn();
});
afterAll(() => standIn.close());
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the provisioner on `manifest` (an object, written as YAML) in a scratch dir with HF_ENDPOINT at the stand-in. */
async function run(manifest: unknown, extraEnv: Record<string, string> = {}, options: Partial<ProvisionerOptions> = {}) {
  dir ??= mkdtempSync(join(tmpdir(), 'provisioner-'));
  const file = join(dir, 'provisioning.yaml');
  if (manifest !== undefined) writeFileSync(file, typeof manifest === 'string' ? manifest : stringify(manifest));
  const lines: string[] = [];
  const env = {
    ...process.env,
    HF_ENDPOINT: standIn.url,
    HF_HOME: join(dir, 'hf-home'),
    PROVISIONER_STATE_DIR: join(dir, 'state'),
    PROVISIONER_LOG_FILE: join(dir, 'log/portal/provisioning.log'),
    PROVISIONER_PROGRESS_FILE: join(dir, 'progress.json'),
    PROVISIONER_STOPPED_MARKER: join(dir, 'stopped'),
    PATH: `${FETCH_SCRIPT_DIR}:${process.env.PATH}`,
    WORKSPACE: dir,
    ...extraEnv,
  };
  const code = await provision({
    source: manifest === undefined ? undefined : file,
    env,
    logger: new Logger((t) => lines.push(t)),
    manifestCopy: join(dir, 'fetched.yaml'),
    serviceDirs: { scripts: join(dir, 'scripts'), confs: join(dir, 'conf.d') },
    scriptPath: join(dir, 'provisioning.sh'),
    ...options,
  });
  return { code, log: lines.join('') };
}

const fast = {
  settings: { retry: { max_attempts: 3, initial_delay: 0, backoff_multiplier: 2 } },
  on_failure: { max_retries: 1, retry_delay: 0 },
};
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('downloads against stand-in servers', () => {
  it('downloads a Hugging Face file with HF_TOKEN, through the CDN redirect, without sending the token to the CDN', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code, log } = await run(
      {
        version: 1,
        ...fast,
        downloads: [{ url: 'https://huggingface.co/org/model/resolve/main/weights.safetensors', dest: `${dir}/models/` }],
      },
      { HF_TOKEN },
    );
    expect(log).toContain('Provisioning complete!');
    expect(code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'models/weights.safetensors'), 'utf8')).toBe('fake safetensors\n');
    const hits = standIn.hits.filter((h) => h.path.endsWith('weights.safetensors'));
    expect(hits.find((h) => h.path.startsWith('/org/'))?.authorization).toBe(`Bearer ${HF_TOKEN}`);
    expect(hits.find((h) => h.path.startsWith('/cdn/'))?.authorization).toBeUndefined();
  });

  it('is refused a gated Hugging Face file without the token, and fails the run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code, log } = await run(
      {
        version: 1,
        ...fast,
        downloads: [{ url: 'https://huggingface.co/org/model/resolve/main/weights.safetensors', dest: `${dir}/w.bin` }],
      },
      { HF_TOKEN: '' },
    );
    expect(code).toBe(EXIT_FAILED);
    expect(log).toMatch(/HTTP 401 \(check the token for this host\) \(after 3 attempts\)/);
    expect(existsSync(join(dir, 'w.bin'))).toBe(false);
  });

  it('downloads a whole Hugging Face repository to a directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code } = await run(
      { version: 1, ...fast, downloads: [{ url: 'https://huggingface.co/org/model', dest: `${dir}/repo` }] },
      { HF_TOKEN },
    );
    expect(code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'repo/config.json'), 'utf8')).toBe('{"model":"fake"}\n');
  });

  it('names a file from Content-Disposition, follows redirects, links a duplicate URL and passes a checksum', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code } = await run({
      version: 1,
      ...fast,
      downloads: [
        { url: `${standIn.url}/files/cd`, dest: `${dir}/named/` },
        { url: `${standIn.url}/redirect/plain.bin`, dest: `${dir}/a/plain.bin`, sha256: sha('plain file\n') },
        { url: `${standIn.url}/redirect/plain.bin`, dest: `${dir}/b/plain.bin` },
        { url: `${standIn.url}/redirect/plain.bin`, dest: `${dir}/a/plain.bin` },
      ],
    });
    expect(code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'named/server-name.bin'), 'utf8')).toBe('named by the server\n');
    expect(readFileSync(join(dir, 'a/plain.bin'), 'utf8')).toBe('plain file\n');
    expect(readlinkSync(join(dir, 'b/plain.bin'))).toBe(join(dir, 'a/plain.bin'));
    expect(existsSync(join(dir, 'a/plain.bin.lock'))).toBe(false);
  });

  it('retries a download that fails twice, then succeeds', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    standIn.flaky.failuresLeft = 2;
    const { code, log } = await run({ version: 1, ...fast, downloads: [{ url: `${standIn.url}/files/flaky`, dest: `${dir}/flaky.txt` }] });
    expect(log.match(/Download attempt \d\/3 failed: .*HTTP 503/g)).toHaveLength(2);
    expect(code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'flaky.txt'), 'utf8')).toBe('third time lucky\n');
  });

  it('resumes a cut download from its .part with a Range request', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code } = await run({ version: 1, ...fast, downloads: [{ url: `${standIn.url}/files/cut.bin`, dest: `${dir}/cut.bin` }] });
    expect(code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'cut.bin')).equals(standIn.files.get('big.bin')!)).toBe(true);
    // The second request resumes from what the first left in the .part: how much that is depends on how much of the
    // first half reached the disk before the cut, so only its form and bounds are fixed.
    const ranges = standIn.hits.filter((h) => h.path === '/files/cut.bin').map((h) => h.range);
    expect(ranges).toHaveLength(2);
    expect(ranges[0]).toBeUndefined();
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(128 * 1024);
  });

  it('fails the run on a checksum mismatch, removes the file and posts the failure to the webhook', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    standIn.webhooks.length = 0;
    const { code, log } = await run(
      {
        version: 1,
        ...fast,
        on_failure: { max_retries: 2, retry_delay: 0, webhook: `${standIn.url}/hook` },
        downloads: [{ url: `${standIn.url}/files/plain.bin`, dest: `${dir}/plain.bin`, sha256: '0'.repeat(64) }],
      },
      { CONTAINER_ID: '4242' },
    );
    expect(code).toBe(EXIT_FAILED);
    expect(log).toContain('Attempt 1/2 failed, retrying in 0s...');
    expect(log).toContain('All 2 attempts exhausted');
    expect(existsSync(join(dir, 'plain.bin'))).toBe(false);
    expect(standIn.webhooks).toHaveLength(1);
    expect(standIn.webhooks[0]).toMatchObject({ action: 'continue', container_id: '4242', manifest: join(dir, 'provisioning.yaml') });
    expect((standIn.webhooks[0] as { error: string }).error).toMatch(
      /^provisioning failed after all retries: .*SHA-256 is [0-9a-f]{64}, the manifest expects 0{64}.* \(stage downloads\)$/,
    );
    expect((standIn.webhooks[0] as { timestamp: string }).timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('does not start the other downloads when a Hugging Face download fails', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code, log } = await run(
      {
        version: 1,
        ...fast,
        downloads: [
          { url: 'https://huggingface.co/org/model/resolve/main/missing.bin', dest: `${dir}/m.bin` },
          { url: `${standIn.url}/files/plain.bin`, dest: `${dir}/plain.bin` },
        ],
      },
      { HF_TOKEN },
    );
    expect(code).toBe(EXIT_FAILED);
    expect(log).toContain('Hugging Face downloads failed; the other downloads were not started');
    expect(existsSync(join(dir, 'plain.bin'))).toBe(false);
  });

  it('writes the phase and the bytes of a download to the progress file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    await run({ version: 1, ...fast, downloads: [{ url: `${standIn.url}/files/big.bin`, dest: `${dir}/big.bin` }] });
    const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8'));
    expect(progress).toMatchObject({
      state: 'complete',
      phaseCount: 1,
      downloads: [{ name: 'big.bin', received: 262144, total: 262144, done: true }],
    });
  });
});

describe('phases, idempotence and the CLI contract', () => {
  it('clones at a ref, runs the repo post_commands under bash, writes files, runs post_commands and the script last; a re-run skips every phase', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const repo = makeBareRepo(dir);
    writeFileSync(join(dir, 'script.sh'), '#!/bin/bash\necho "script ran" >> "$WORKSPACE/order.txt"\n');
    const manifest = {
      version: 1,
      ...fast,
      write_files: [{ path: '${WORKSPACE}/conf/app.json', content: '{"token":"${APP_TOKEN}"}', permissions: '0600' }],
      git_repos: [
        { url: repo, dest: `${dir}/app`, ref: 'v1', post_commands: ['[[ -f VERSION ]] && echo "git post in $(pwd)" >> ../order.txt'] },
      ],
      post_commands: ['[[ "bash" == "bash" ]] && echo post >> order.txt'],
    };
    const first = await run(manifest, { APP_TOKEN: 't0k', PROVISIONING_SCRIPT: join(dir, 'script.sh') });
    expect(first.code).toBe(EXIT_OK);
    expect(readFileSync(join(dir, 'app/VERSION'), 'utf8')).toBe('v1\n');
    expect(readFileSync(join(dir, 'conf/app.json'), 'utf8')).toBe('{"token":"t0k"}');
    expect(statSync(join(dir, 'conf/app.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'order.txt'), 'utf8')).toBe(`git post in ${dir}/app\npost\nscript ran\n`);
    expect(first.log).toMatch(
      /Stage write_files: running \(1\/4\)[\s\S]*Stage git[\s\S]*Stage post_commands[\s\S]*Stage provisioning_script/,
    );
    expect(lstatSync(join(dir, 'state/.provisioner-state-dir')).isFile()).toBe(true);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);

    const again = await run(manifest, { APP_TOKEN: 't0k', PROVISIONING_SCRIPT: join(dir, 'script.sh') });
    expect(again.code).toBe(EXIT_OK);
    expect(again.log.match(/unchanged since it last succeeded, skipping/g)).toHaveLength(4);
    expect(readFileSync(join(dir, 'order.txt'), 'utf8')).toBe(`git post in ${dir}/app\npost\nscript ran\n`);

    // A changed input re-runs that phase only.
    const changed = await run(
      { ...manifest, post_commands: ['echo post2 >> order.txt'] },
      { APP_TOKEN: 't0k', PROVISIONING_SCRIPT: join(dir, 'script.sh') },
    );
    expect(changed.log.match(/skipping/g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'order.txt'), 'utf8')).toBe(`git post in ${dir}/app\npost\nscript ran\npost2\n`);
  });

  it('installs a wheel from a simple index into the venv with pip (no uv on PATH)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const wheel = buildWheel(dir, 'standin_pkg', '1.2.3');
    standIn.wheels.set('standin_pkg-1.2.3-py3-none-any.whl', { project: 'standin-pkg', file: wheel });
    const venv = join(dir, 'venv');
    const { code, log } = await run({
      version: 1,
      ...fast,
      pip_packages: [{ venv, packages: ['standin-pkg==1.2.3'], args: `--index-url ${standIn.url}/simple/` }],
    });
    expect(log).not.toMatch(/uv pip/);
    expect(code).toBe(EXIT_OK);
    expect(execFileSync(join(venv, 'bin/python'), ['-c', 'import standin_pkg; print(standin_pkg.VERSION)'], { encoding: 'utf8' })).toBe(
      '1.2.3\n',
    );
  });

  it('appends PROVISIONING_* entries once per attempt, not once more on each retry', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code } = await run(
      {
        version: 1,
        ...fast,
        on_failure: { max_retries: 3, retry_delay: 0 },
        post_commands: ['echo run >> count.txt', '[[ $(wc -l < count.txt) -ge 2 ]]'],
      },
      { PROVISIONING_POST_COMMANDS: 'echo env >> count.txt' },
    );
    expect(code).toBe(EXIT_OK);
    // Attempt 1 fails at the check (one line), attempt 2 passes; the env command runs once per attempt that reaches it.
    expect(readFileSync(join(dir, 'count.txt'), 'utf8')).toBe('run\nrun\nenv\n');
  });

  it('fetches an https manifest inside the retry loop: a failed fetch is retried', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    let failures = 1;
    const server = await httpsManifestServer(dir, () =>
      failures-- > 0
        ? { status: 503, text: 'later' }
        : { status: 200, text: `version: 1\nwrite_files: [{path: "${dir}/from-url.txt", content: "hello"}]\n` },
    );
    try {
      const { code, log } = await run(undefined, { PROVISIONER_RETRY_MAX: '2', PROVISIONER_RETRY_DELAY: '0' }, { source: server.url });
      expect(log).toContain('Attempt 1/2 failed');
      expect(code).toBe(EXIT_OK);
      expect(readFileSync(join(dir, 'from-url.txt'), 'utf8')).toBe('hello');
      expect(readFileSync(join(dir, 'fetched.yaml'), 'utf8')).toContain('from-url.txt');
    } finally {
      await server.close();
    }
  });

  it('refuses a manifest over plain http and an invalid manifest, naming the key path', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const http = await run(undefined, { PROVISIONER_RETRY_MAX: '1' }, { source: `${standIn.url}/manifest.yaml` });
    expect(http.code).toBe(EXIT_FAILED);
    expect(http.log).toContain('only https:// URLs are fetched');
    const bad = await run({ version: 1, ...fast, downlods: [] });
    expect(bad.code).toBe(EXIT_FAILED);
    expect(bad.log).toContain('provisioning.yaml: downlods: is not a key here. Fix its spelling or remove it.');
  });

  it('--dry-run logs actions and writes no state; --force with --dry-run clears nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const manifest = {
      version: 1,
      ...fast,
      apt_packages: ['jq'],
      services: [{ name: 'app', command: 'python app.py', portal_search_term: 'App' }],
    };
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state/apt.hash'), 'x\n');
    const { code, log } = await run(manifest, {}, { dryRun: true, force: true });
    expect(code).toBe(EXIT_OK);
    expect(log).toContain('[DRY RUN] --force would clear');
    expect(log).toContain('[DRY RUN] apt-get install -y -qq --no-install-recommends jq');
    expect(log).toMatch(/\[DRY RUN\] .*scripts\/app\.sh:\n#!\/bin\/bash/);
    expect(readFileSync(join(dir, 'state/apt.hash'), 'utf8')).toBe('x\n');
    expect(existsSync(join(dir, 'scripts/app.sh'))).toBe(false);
  });

  it('--force refuses (78) to clear a directory it does not own, and clears its own', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    mkdirSync(join(dir, 'state'));
    writeFileSync(join(dir, 'state/precious.txt'), 'keep');
    expect((await run({ version: 1 }, {}, { force: true })).code).toBe(EXIT_CONFIG_REFUSED);
    expect(existsSync(join(dir, 'state/precious.txt'))).toBe(true);
    rmSync(join(dir, 'state'), { recursive: true });
    await run({ version: 1, write_files: [{ path: `${dir}/x`, content: 'x' }] });
    const forced = await run({ version: 1, write_files: [{ path: `${dir}/x`, content: 'x' }] }, {}, { force: true });
    expect(forced.log).toContain('--force: cleared');
    expect(forced.log).not.toContain('skipping');
  });

  it('renders services with the image-service renderer and has a running supervisord load them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const conf = join(dir, 'supervisord.conf');
    writeFileSync(
      conf,
      [
        '[unix_http_server]',
        `file=${dir}/supervisor.sock`,
        '[supervisord]',
        `logfile=${dir}/supervisord.log`,
        `pidfile=${dir}/supervisord.pid`,
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '[supervisorctl]',
        `serverurl=unix://${dir}/supervisor.sock`,
        '[include]',
        `files = ${dir}/conf.d/*.conf`,
        '',
      ].join('\n'),
    );
    // The real supervisorctl, pointed at this test's supervisord.
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin/supervisorctl'), `#!/bin/sh\nexec /usr/bin/supervisorctl -c ${conf} "$@"\n`, { mode: 0o755 });
    execFileSync('supervisord', ['-c', conf], { stdio: 'ignore' });
    try {
      const { code, log } = await run(
        {
          version: 1,
          ...fast,
          services: [
            {
              name: 'my-app',
              command: 'python app.py --port 17860',
              portal_search_term: 'My App',
              workdir: '/workspace/app',
              environment: { GREETING: 'hi "there"' },
              pre_commands: ['echo pre'],
            },
          ],
        },
        { PATH: `${dir}/bin:${FETCH_SCRIPT_DIR}:${process.env.PATH}`, SUPERVISOR_READY_TIMEOUT: '5' },
      );
      expect(log).toMatch(/Service my-app: my-app\s+\S+/);
      expect(code).toBe(EXIT_OK);
      const script = readFileSync(join(dir, 'scripts/my-app.sh'), 'utf8');
      expect(script).toContain(". /opt/supervisor-scripts/utils/exit_portal.sh 'My App'");
      expect(script).toContain('while [[ -f /.provisioning ]]; do');
      expect(script).toMatch(
        /cd "\/workspace\/app"\n\n\. \/venv\/main\/bin\/activate\nexport GREETING="hi \\"there\\""\necho pre\npty python app\.py --port 17860\n$/,
      );
      const programConf = readFileSync(join(dir, 'conf.d/my-app.conf'), 'utf8');
      expect(programConf).toContain('[program:my-app]');
      expect(programConf).toContain('autorestart=unexpected');
    } finally {
      process.kill(Number(readFileSync(join(dir, 'supervisord.pid'), 'utf8')), 'SIGTERM');
    }
  });

  it('reports a failing PROVISIONING_SCRIPT by the variable and its status, in script-only mode', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    writeFileSync(join(dir, 'fail.sh'), 'echo "about to fail"\nexit 7\n');
    const { code, log } = await run(undefined, { PROVISIONING_SCRIPT: join(dir, 'fail.sh'), PROVISIONER_RETRY_MAX: '1' });
    expect(code).toBe(EXIT_FAILED);
    expect(log).toContain('Manifest: (script-only)');
    expect(log).toContain('about to fail');
    expect(log).toContain(
      `FAILED: ${join(dir, 'provisioning.sh')} (from PROVISIONING_SCRIPT) exited with status 7 (stage provisioning_script)`,
    );
  });

  it('with neither a manifest nor a script does nothing, and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    const { code, log } = await run(undefined, { PROVISIONING_SCRIPT: '' });
    expect(code).toBe(EXIT_OK);
    expect(log).toContain('No manifest and no PROVISIONING_SCRIPT set, nothing to do');
  });

  it('logs to the portal file and its clean twin', async () => {
    dir = mkdtempSync(join(tmpdir(), 'provisioner-'));
    await run({ version: 1, post_commands: ["printf '\\033[32mgreen\\033[0m\\n'"] });
    expect(readFileSync(join(dir, 'log/portal/provisioning.log'), 'utf8')).toContain('\x1b[32mgreen');
    const clean = readFileSync(join(dir, 'log/provisioning.log'), 'utf8');
    expect(clean).toContain('green\n');
    expect(clean).not.toContain('\x1b');
    expect(clean).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[INFO\] Provisioner starting \(version 1\)$/m);
  });
});
