// base-image for real: the local Debian root, the local variant built by the engine, then booted and checked:
// the smoke contract, a failing provisioning script, a malformed PORTAL_CONFIG, and graft.sh on a plain Debian image.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  selectChecks,
  runChecks,
  runSmoke,
  startSmokeContainer,
  type SmokeContainer,
  readFile,
  supervisorStates,
  containerLogs,
  dockerCommand,
  inspectContainer,
  run,
  LOCAL_ROOT_DEFAULTS,
} from '@vast/plugin/testing';
import { buildLocalBaseImage, nx, withoutProjectPrefix } from '../support/local-base-image';
import { eventually } from '../support/eventually';
import {
  BASE_STAGE,
  CADDY_LOG,
  GRAFT_APT_LIST,
  GRAFT_DIR,
  GRAFT_PACKAGES_SCRIPT,
  GRAFT_SCRIPT,
  PROVISIONING_LOG,
  PROVISIONING_MARKERS,
  provisioningMarkerPath,
} from '@vast/conventions';

const FULL_PORTAL_CONFIG =
  'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal';
const NAME_PREFIX = 'vast-e2e-base-image';

let image: string;

beforeAll(async () => {
  image = await buildLocalBaseImage();
});

async function withContainer(
  options: Parameters<typeof startSmokeContainer>[0],
  body: (c: SmokeContainer) => Promise<void>,
): Promise<void> {
  const container = await startSmokeContainer(options);
  try {
    await body(container);
  } catch (e) {
    console.error(`container ${container.name} log tail:\n${await containerLogs(container.id, 80)}`);
    throw e;
  } finally {
    await container.remove();
  }
}

describe('base-image local variant', () => {
  it('nx run base-image:smoke -c local boots it and every check passes, printed one by one', async () => {
    // A lint in between runs build, which Nx restores from its cache by emptying dist/images/base-image: docker-build's
    // record (dist/builds/) must come through it, or smoke has nothing to boot.
    const lint = await nx(['run', 'base-image:lint']);
    expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
    const result = await nx(['run', 'base-image:smoke', '-c', 'local']);
    const output = withoutProjectPrefix(`${result.stdout}\n${result.stderr}`);
    expect(output, output).not.toMatch(/^FAIL\b/m);
    for (const check of selectChecks('base-image').checks) {
      expect(output).toMatch(new RegExp(`^PASS\\s+${check.id}\\s`, 'm'));
    }
    expect(output).toMatch(/^smoke: (\d+)\/\1 checks passed \(0 failing, 0 not applicable\)$/m);
    expect(result.exitCode).toBe(0);
  });

  it('a failing provisioning script: the container boots, services start, /.provisioning_failed, and the log says why', async () => {
    await withContainer(
      {
        image,
        portalConfig: FULL_PORTAL_CONFIG,
        token: 'e2e-provisioning-token',
        provisioning: { kind: 'inline', script: '#!/bin/bash\necho "e2e: provisioning is about to fail"\nexit 7\n', expect: 'failed' },
        namePrefix: NAME_PREFIX,
      },
      async (container) => {
        const wanted = [
          'boot-stages-in-order',
          'boot-stages-succeeded',
          'supervisor-answers',
          'caddy-running',
          'jupyter-running',
          'portal-services-running',
          'provisioning-finished',
          'proxied-port-requires-auth',
          'proxied-port-accepts-bearer',
        ];
        const checks = selectChecks('base-image').checks.filter((c) => wanted.includes(c.id));
        const results = await runChecks(checks, { probe: container.probe, expect: container.expectations }, { timeoutMs: 180_000 });
        expect(
          results.filter((r) => r.status !== 'pass'),
          JSON.stringify(results, null, 2),
        ).toEqual([]);

        // The Instance Portal is in this config, so it must have started too (the real portal server).
        const states = await supervisorStates(container.probe);
        expect(states?.get('instance_portal')).toBe('RUNNING');
        const log = await readFile(container.probe, PROVISIONING_LOG);
        expect(log).toContain('e2e: provisioning is about to fail');
        // The variable is named, never its value (a URL may carry a token in its query string).
        expect(log).toMatch(/FAILED: \/provisioning\.sh \(from PROVISIONING_SCRIPT\) exited with status 7/);
        expect((await container.probe.exec(['test', '-e', provisioningMarkerPath(PROVISIONING_MARKERS.complete)])).exitCode).toBe(1);
      },
    );
  });

  it.each([
    [
      'a non-numeric port',
      'localhost:1111:11111:/:Instance Portal|localhost:8080:notaport:/:Jupyter',
      /internal port "notaport" is not a whole number/,
    ],
    [
      "a label containing '|'",
      'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|Lab',
      /entry 3 "Lab" has 1 of the 5 ':'-separated fields/,
    ],
  ])(
    'a malformed PORTAL_CONFIG (%s): a clear error in the caddy log, no /etc/portal.yaml, the container stays up',
    async (_, portalConfig, error) => {
      await withContainer(
        { image, portalConfig, token: 'e2e-malformed-token', provisioning: { kind: 'none' }, namePrefix: NAME_PREFIX },
        async (container) => {
          const caddyLog = await eventually('the portal-config error in the caddy log', async () => {
            const text = (await container.probe.exec(['bash', '-c', `cat ${CADDY_LOG}.old ${CADDY_LOG} 2>/dev/null`])).stdout;
            return error.test(text) ? text : undefined;
          });
          expect(caddyLog).toMatch(/PORTAL_CONFIG/);
          // Supervisor gives caddy up after its retries: by then every attempt has had its chance to write.
          await eventually('caddy to stop retrying', async () => (await supervisorStates(container.probe))?.get('caddy') === 'FATAL', {
            timeoutMs: 90_000,
          });

          const written = await container.probe.exec(['bash', '-c', 'ls -a /etc | grep -E "^(portal\\.yaml|Caddyfile)" || true']);
          expect(written.stdout.trim()).toBe('');
          expect(await inspectContainer(container.id, '{{.State.Running}}')).toBe('true');
          const states = await supervisorStates(container.probe);
          expect(states?.get('cron')).toBe('RUNNING');
          expect(await containerLogs(container.id, 400)).toMatch(error);
        },
      );
    },
  );
});

describe('graft.sh', () => {
  const graftImage = 'vast-e2e-graft:latest';
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vast-e2e-graft-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await run(dockerCommand(), ['image', 'rm', '--force', graftImage], { reject: false });
  });

  it('grafts the runtime onto a plain Debian image (as external builds do), which then passes the smoke', async () => {
    // The shape of an external image's build (the renderer's, from the same names): the base image as a stage; the
    // base's apt list installed right after FROM, as its own layer; then /opt/vast-base copied over and graft.sh run.
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'ARG VAST_BASE',
        `FROM \${VAST_BASE} AS ${BASE_STAGE}`,
        `FROM ${LOCAL_ROOT_DEFAULTS.image}`,
        `COPY --from=${BASE_STAGE} ${GRAFT_APT_LIST} ${GRAFT_PACKAGES_SCRIPT} ${GRAFT_DIR}/`,
        `RUN ["${GRAFT_PACKAGES_SCRIPT}"]`,
        'SHELL ["/bin/bash", "-c"]',
        'ENV WORKSPACE=/workspace DATA_DIRECTORY=/workspace DEBIAN_FRONTEND=noninteractive PATH=/opt/instance-tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        `COPY --from=${BASE_STAGE} ${GRAFT_DIR} ${GRAFT_DIR}`,
        // A new value each run: graft.sh itself always runs (the point of this test), while the package layer above
        // is the cached one every graft of this Debian root shares (the round-trip's external build too).
        'ARG GRAFT_RUN',
        `RUN ${GRAFT_SCRIPT}`,
        'RUN env-hash > /.env_hash',
        'ENTRYPOINT ["/opt/instance-tools/bin/entrypoint.sh"]',
        'CMD []',
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const build = await run(
      dockerCommand(),
      ['build', '--progress=plain', '--build-arg', `VAST_BASE=${image}`, '--build-arg', `GRAFT_RUN=${started}`, '-t', graftImage, dir],
      {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        reject: false,
        // Cold (no cached package layer for this Debian root yet) the first half installs ~620 packages from bookworm.
        timeoutMs: 15 * 60_000,
      },
    );
    console.log(`graft build: ${((Date.now() - started) / 1000).toFixed(0)}s`);
    expect(build.exitCode, build.stderr.split('\n').slice(-40).join('\n')).toBe(0);
    expect(build.stderr + build.stdout).toMatch(/graft: done/);

    const lines: string[] = [];
    const result = await runSmoke({
      image: graftImage,
      imageName: 'graft-fixture',
      portalConfig: FULL_PORTAL_CONFIG.replace('localhost:1111:11111:/:Instance Portal|', ''),
      token: 'e2e-graft-token-0',
      provisioning: { kind: 'default' },
      namePrefix: 'vast-e2e-graft',
      timeoutSeconds: 180,
      log: (line) => lines.push(line),
    });
    expect(
      result.results.filter((r) => r.status === 'fail'),
      lines.join('\n'),
    ).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
