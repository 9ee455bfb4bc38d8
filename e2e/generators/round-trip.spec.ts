// From `nx g` to a booted container, for real: in a scratch copy of the workspace, generate a derivative of
// base-image (a small HTTP server from Debian packages) and an external grafted onto a locally made Debian stand-in
// upstream; lint fails on the markers and passes once they are filled; docker-build -c local builds both; each boots
// with its service RUNNING under supervisor, reachable through Caddy with the token (401 without), and skipped when
// its label is missing from PORTAL_CONFIG. A provisioning template is booted the same way, via PROVISIONING_SCRIPT.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONING_MARKERS, provisioningMarkerPath, SKIP_DIR } from '@vast/conventions';
import { ScratchWorkspace } from '../support/scratch-workspace';
import { eventually } from '../support/eventually';
import { ensureLocalRoot } from '../support/local-base-image';
import {
  run,
  assertDockerEngine,
  containerLogs,
  dockerCommand,
  startSmokeContainer,
  type ProvisioningSpec,
  type SmokeContainer,
  fileExists,
  httpStatus,
  supervisorStates,
  LOCAL_ROOT_DEFAULTS,
} from '@vast/plugin/testing';

/** Everything this suite puts in the shared engine carries this prefix, and is removed at the end. */
const PREFIX = 'generators-e2e';
const LOCAL_ROOT = LOCAL_ROOT_DEFAULTS.image;
const STAND_IN = `${PREFIX}/stand-in:1.0`;
const BASE_PORTAL_CONFIG =
  'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal';
const TOKEN = randomBytes(16).toString('hex');
/**
 * The generated derivative's launch command, written as a template for upstream's base writes one: it logs through
 * log-tee, keeps its files in $HF_HOME, waits for its port with ss and fetches from it with wget.
 */
const TEMPLATE_STYLE_COMMAND = [
  'mkdir -p "$HF_HOME/hello" && echo "served from HF_HOME" > "$HF_HOME/hello/index.html"',
  'printf "\\033[32mHF_HOME is %s\\033[0m\\n" "$HF_HOME" | log-tee /var/log/portal/hello-template.log',
  '( until ss -ltn | grep -q ":17860 "; do sleep 1; done; wget -qO "$HF_HOME/hello/fetched.html" http://127.0.0.1:17860/ ) &',
  'python3 -m http.server 17860 --bind 127.0.0.1 --directory "$HF_HOME/hello"',
].join('\n');

let ws: ScratchWorkspace;
const containers: SmokeContainer[] = [];
const ownImages = new Set<string>([STAND_IN]);

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
/** Waits on a booted container, trying every two seconds; a timeout shows supervisor's table and the container's recent log. */
function waitFor<T>(container: SmokeContainer, what: string, seconds: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  return eventually(what, probe, {
    timeoutMs: seconds * 1000,
    intervalMs: 2000,
    describeLast: async () => {
      const status = await container.probe.exec(['supervisorctl', 'status']);
      return `supervisorctl status:\n${status.stdout}${status.stderr}\ncontainer log (tail):\n${await containerLogs(container.id, 60)}`;
    },
  });
}

async function boot(
  image: string,
  portalConfig: string,
  name: string,
  provisioning: ProvisioningSpec = { kind: 'none' },
): Promise<SmokeContainer> {
  const container = await startSmokeContainer({ image, portalConfig, token: TOKEN, provisioning, namePrefix: `${PREFIX}-${name}` });
  containers.push(container);
  return container;
}

/**
 * Provisioning ends and the program is RUNNING. Both are waited for: supervisor reports RUNNING once the launch script
 * has lived a second, while that script may still be waiting for /.provisioning to go (a provisioning script that
 * starts its own service reaches RUNNING before the boot removes the marker).
 */
async function expectRunning(container: SmokeContainer, program: string): Promise<void> {
  const inProgress = provisioningMarkerPath(PROVISIONING_MARKERS.inProgress);
  await waitFor(
    container,
    `${program} RUNNING, provisioning over`,
    240,
    async () => (await supervisorStates(container.probe))?.get(program) === 'RUNNING' && !(await fileExists(container.probe, inProgress)),
  );
}

/** Caddy serves the external port with auth: 200 with the bearer token, 401 without. */
async function expectServedWithAuth(container: SmokeContainer, externalPort: number): Promise<void> {
  const url = `http://127.0.0.1:${externalPort}/`;
  const authorized = await waitFor(container, `a 200 from ${url} with the token`, 120, async () =>
    (await httpStatus(container.probe, url, [`Authorization: Bearer ${TOKEN}`])) === 200 ? 200 : undefined,
  );
  expect(authorized).toBe(200);
  expect(await httpStatus(container.probe, url)).toBe(401);
  expect(await httpStatus(container.probe, url, ['Authorization: Bearer not-the-token'])).toBe(401);
}

/** Booted without its label, the program records the skip and ends (EXITED), never RUNNING for good. */
async function expectSkipped(container: SmokeContainer, program: string): Promise<void> {
  const skipped = `${SKIP_DIR}/${program}`;
  await waitFor(container, skipped, 240, () => fileExists(container.probe, skipped));
  const state = await waitFor(container, `${program} to stop after skipping`, 60, async () => {
    const s = (await supervisorStates(container.probe))?.get(program);
    return s && s !== 'RUNNING' && s !== 'STARTING' ? s : undefined;
  });
  expect(state).toBe('EXITED');
}

/** docker-build -c local of a generated project (extra options after); its tags join the images removed at the end. */
function buildLocal(project: string, ...options: string[]): string {
  ownImages.add(`${PREFIX}/${project}:1.0.0-local`);
  const result = ws.nx('run', `${project}:docker-build`, '-c', 'local', ...options);
  expect(result.code, result.output).toBe(0);
  const tag = new RegExp(`(${PREFIX}/${project}:build-[0-9a-f]{12})`).exec(result.output)?.[1];
  expect(tag, result.output).toBeDefined();
  ownImages.add(tag!);
  return tag!;
}

/** The VL0xx/VL090 findings of a failed lint, as `CODE file` pairs. */
function findings(output: string): string[] {
  return [...output.matchAll(/^(\S+?)(?::\d+)?: (VL\d{3}) error:/gm)].map((m) => `${m[2]} ${m[1]}`);
}

beforeAll(async () => {
  await assertDockerEngine();
  ws = ScratchWorkspace.create(`${PREFIX}-`);
  // The local profile builds FROM the locally made Debian root; make it if this engine has none yet.
  await ensureLocalRoot();
  // The stand-in upstream: a plain Debian image made locally (what an external grafts onto, offline).
  await run(dockerCommand(), ['tag', LOCAL_ROOT, STAND_IN]);
});

afterAll(async () => {
  for (const container of containers) await container.remove();
  for (const image of ownImages) await run(dockerCommand(), ['rmi', '--force', image], { reject: false });
  ws?.dispose();
});

/**
 * A new image is the only image affected: no sibling rebuilds. The plugin is affected too, on purpose: its golden
 * and workspace checks read every image definition (they are in plugin:test's inputs), so `nx affected -t test`
 * must run them to ask for the new image's golden files. Its dependents (e2e, scripts, bench) follow from Nx's
 * project graph.
 */
function expectAffectedImages(expected: string[]): void {
  const images = ws.nx('show', 'projects', '--affected', '--base=HEAD', '-t', 'docker-build');
  expect(images.code, images.output).toBe(0);
  expect(lines(images.stdout)).toEqual(expected);
  const projects = ws.nx('show', 'projects', '--affected', '--base=HEAD');
  expect(projects.code, projects.output).toBe(0);
  expect(lines(projects.stdout)).toContain('plugin');
}

describe('nx g @vast/plugin:derivative, to a booted container', () => {
  let hello: SmokeContainer | undefined;
  const generate = [
    'g',
    '@vast/plugin:derivative',
    'hello',
    '--parent=base-image',
    '--aptPackages=python3',
    `--repository=${PREFIX}/hello`,
  ];

  it('--dry-run shows every file and writes nothing', () => {
    const result = ws.nx(...generate, '--dry-run');
    expect(result.code, result.output).toBe(0);
    for (const file of ['package.json', 'image.ts', 'README.md', 'CHANGELOG.md'])
      expect(result.stdout).toContain(`CREATE packages/images/hello/${file}`);
    expect(ws.git('status', '--porcelain')).toBe('');
  });

  it('refuses bad options with a message naming each, and writes nothing', () => {
    const result = ws.nx('g', '@vast/plugin:derivative', 'Hello', '--parent=nope', '--port=1111');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("'Hello' is not a valid image name");
    expect(result.output).toContain("--parent: 'nope' is not an image project");
    expect(ws.git('status', '--porcelain')).toBe('');
  });

  it('generates the project; the only affected image is the new one', () => {
    const result = ws.nx(...generate);
    expect(result.code, result.output).toBe(0);
    expect(ws.read('packages/images/hello/image.ts')).toContain("portal: [{ label: 'Hello', externalPort: 7860, internalPort: 17860 }],");
    expectAffectedImages(['hello']);
  });

  it('lint fails on the two markers only, each leading back to image.ts', () => {
    const result = ws.nx('run', 'hello:lint');
    expect(result.code).not.toBe(0);
    expect(findings(result.output)).toEqual([
      'VL040 dist/images/hello/Dockerfile',
      'VL040 dist/images/hello/ROOT/opt/supervisor-scripts/hello.sh',
    ]);
    expect(result.output.match(/Decide it in packages\/images\/hello\/image\.ts/g)).toHaveLength(2);
  });

  it('lint passes once the markers are filled', () => {
    ws.fillMarkers('packages/images/hello/image.ts', {
      description: 'A tiny HTTP server from Debian packages.',
      command: TEMPLATE_STYLE_COMMAND,
    });
    const result = ws.nx('run', 'hello:lint');
    expect(result.code, result.output).toBe(0);
  });

  let helloBuild: string;
  it('docker-build -c local builds it (base-image local first)', () => {
    helloBuild = buildLocal('hello');
  });

  it('a manual build: --arg gives a new content tag, recorded; --tag names it; the version tag stays on the release build', async () => {
    ownImages.add(`${PREFIX}/hello:manual-local`);
    const manual = buildLocal('hello', '--excludeTaskDependencies', '--arg', 'PYTHON_VERSION=3.11-manual', '--tag', 'manual');
    expect(manual).not.toBe(helloBuild);
    const id = (ref: string) => run(dockerCommand(), ['image', 'inspect', '--format', '{{.Id}}', ref]).then((r) => r.stdout.trim());
    expect(await id(`${PREFIX}/hello:manual-local`)).toBe(await id(manual));
    expect(await id(`${PREFIX}/hello:1.0.0-local`)).toBe(await id(helloBuild));
    const record = JSON.parse(ws.read('dist/builds/hello/build-result.json'));
    expect(record.overrides).toEqual({ PYTHON_VERSION: '3.11-manual' });
    expect(record.variants).toEqual([
      { key: 'local', buildTag: manual, extraTags: [`${PREFIX}/hello:manual-local`], imageId: await id(manual) },
    ]);
    // The release build again: its record is the release's, so smoke and docker-push see the real thing.
    expect(buildLocal('hello', '--excludeTaskDependencies')).toBe(helloBuild);
  });

  it('boots: RUNNING after provisioning, served through Caddy with the token, 401 without', async () => {
    const container = await boot(`${PREFIX}/hello:1.0.0-local`, `${BASE_PORTAL_CONFIG}|localhost:7860:17860:/:Hello`, 'hello');
    hello = container;
    await expectRunning(container, 'hello');
    await expectServedWithAuth(container, 7860);
  });

  it('runs a launch script written as templates for upstream write it: log-tee, $HF_HOME, ss and wget work', async () => {
    const container = hello!;
    // wget ran once ss saw the server listening, and saved its page into $HF_HOME.
    const copy = await waitFor(container, 'the page wget saved into $HF_HOME', 60, async () => {
      const result = await container.probe.exec(['cat', '/workspace/.hf_home/hello/fetched.html']);
      return result.exitCode === 0 && result.stdout.includes('served from HF_HOME') ? result.stdout : undefined;
    });
    expect(copy).toContain('served from HF_HOME');
    // log-tee: the raw line (with its colour) in the portal's file, the clean one beside it.
    const raw = await container.probe.exec(['cat', '/var/log/portal/hello-template.log']);
    expect(raw.stdout.trimEnd()).toBe('\x1b[32mHF_HOME is /workspace/.hf_home\x1b[0m');
    const clean = await container.probe.exec(['cat', '/var/log/hello-template.log']);
    expect(clean.stdout.trimEnd()).toBe('HF_HOME is /workspace/.hf_home');
    expect((await supervisorStates(container.probe))?.get('hello')).toBe('RUNNING');
  });

  it('is skipped when its label is not in PORTAL_CONFIG', async () => {
    const container = await boot(`${PREFIX}/hello:1.0.0-local`, BASE_PORTAL_CONFIG, 'hello-skip');
    await expectSkipped(container, 'hello');
  });
});

describe('nx g @vast/plugin:external, grafted onto a local stand-in upstream', () => {
  it('--dry-run writes nothing', () => {
    const result = ws.nx('g', '@vast/plugin:external', 'stand-in', `--upstream=${STAND_IN}`, '--local', '--dry-run');
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('CREATE packages/images/stand-in/image.ts');
    expect(ws.git('status', '--porcelain', 'packages/images/stand-in')).toBe('');
  });

  it('refuses an upstream without a tag or digest', () => {
    const result = ws.nx('g', '@vast/plugin:external', 'stand-in', '--upstream=generators-e2e/stand-in');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("--upstream='generators-e2e/stand-in' is not an image reference with a tag or a digest");
  });

  it('generates the project; the only affected image is the new one', () => {
    ws.commit('scratch: hello');
    const result = ws.nx(
      'g',
      '@vast/plugin:external',
      'stand-in',
      `--upstream=${STAND_IN}`,
      '--local',
      '--aptPackages=python3',
      `--repository=${PREFIX}/stand-in`,
    );
    expect(result.code, result.output).toBe(0);
    expectAffectedImages(['stand-in']);
  });

  it('lint fails on the two markers only; filled in, it passes', () => {
    const marked = ws.nx('run', 'stand-in:lint');
    expect(marked.code).not.toBe(0);
    expect(findings(marked.output)).toEqual([
      'VL040 dist/images/stand-in/Dockerfile',
      'VL040 dist/images/stand-in/ROOT/opt/supervisor-scripts/stand-in.sh',
    ]);
    ws.fillMarkers('packages/images/stand-in/image.ts', {
      description: 'A Debian stand-in upstream with the Vast runtime grafted on.',
      command: 'python3 -m http.server 17860 --bind 127.0.0.1',
    });
    const lint = ws.nx('run', 'stand-in:lint');
    expect(lint.code, lint.output).toBe(0);
    expect(ws.read('dist/images/stand-in/ROOT/etc/vast_boot.d/05-stand-in-env.sh')).toContain(
      `${BASE_PORTAL_CONFIG}|localhost:7860:17860:/:Stand In`,
    );
  });

  // The graft's package layer (the base's ~620 apt packages) is shared with every graft of this Debian root, e2e/base-image's
  // included: cached, this builds the overlay, user and venv only.
  it('docker-build -c local grafts it onto the stand-in', () => {
    buildLocal('stand-in');
  });

  it('boots on its own default PORTAL_CONFIG: RUNNING, served through Caddy with the token, 401 without', async () => {
    const container = await boot(`${PREFIX}/stand-in:1.0.0-local`, `${BASE_PORTAL_CONFIG}|localhost:7860:17860:/:Stand In`, 'stand-in');
    await expectRunning(container, 'stand-in');
    await expectServedWithAuth(container, 7860);
  });

  it('is skipped when its label is not in PORTAL_CONFIG', async () => {
    const container = await boot(`${PREFIX}/stand-in:1.0.0-local`, BASE_PORTAL_CONFIG, 'stand-in-skip');
    await expectSkipped(container, 'stand-in');
  });
});

describe('nx g @vast/plugin:provisioning, run by PROVISIONING_SCRIPT on base-image', () => {
  it('provision.sh installs and starts the service, which answers through Caddy', async () => {
    const result = ws.nx(
      'g',
      '@vast/plugin:provisioning',
      'greeter',
      '--from=base-image',
      '--port=7870',
      '--description=A greeting server, provisioned at boot.',
      '--command=python3 -m http.server 17870 --bind 127.0.0.1',
    );
    expect(result.code, result.output).toBe(0);
    const script = ws.read('packages/provisioning/greeter/provision.sh');
    const base = /vastai\/base-image:build-[0-9a-f]{12}/.exec(ws.nx('run', 'base-image:docker-build', '-c', 'local').output)?.[0];
    expect(base).toBeDefined();
    const container = await boot(base!, `${BASE_PORTAL_CONFIG}|localhost:7870:17870:/:Greeter`, 'greeter', {
      kind: 'inline',
      script,
      expect: 'complete',
    });
    await expectRunning(container, 'greeter');
    expect(await fileExists(container.probe, provisioningMarkerPath(PROVISIONING_MARKERS.complete))).toBe(true);
    await expectServedWithAuth(container, 7870);
  });

  it('converts to an image whose supervisor program and launch script are the ones provision.sh wrote', () => {
    const result = ws.nx('g', '@vast/plugin:convert', 'greeter', `--repository=${PREFIX}/greeter`);
    expect(result.code, result.output).toBe(0);
    const build = ws.nx('run', 'greeter:lint');
    expect(build.code, build.output).toBe(0);
    const script = ws.read('packages/provisioning/greeter/provision.sh');
    const unsourced = (text: string) => text.replace(/Generated by @vast\/conventions from \S+/, '<header>');
    for (const file of ['opt/supervisor-scripts/greeter.sh', 'etc/supervisor/conf.d/greeter.conf']) {
      expect(script).toContain(
        unsourced(ws.read(`dist/images/greeter/ROOT/${file}`)).replace(
          '<header>',
          'Generated by @vast/conventions from packages/provisioning/greeter/provisioning.ts',
        ),
      );
    }
  });
});
