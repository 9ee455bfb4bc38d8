// Boots an image the way the platform would (PORTAL_CONFIG, OPEN_BUTTON_TOKEN, PROVISIONING_SCRIPT), puts the smoke's
// probes in before it starts, runs the selected checks and always removes the container.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parsePortalConfig, type PortalEntry } from '@vast/conventions';
import {
  containerLogs,
  copyIntoContainer,
  createContainer,
  inspectContainer,
  removeContainer,
  startContainer,
} from '../../../utils/docker';
import type { SmokeExpectations } from './checks';
import { dockerProbe, type ContainerProbe } from './probe';
import { formatResult, runChecks, summarize, type CheckResult } from './run-checks';
import { selectChecks, SMOKE_CONFIG, type SmokeConfig } from './smoke-config';
import { logger } from '@nx/devkit';

/**
 * The default PORTAL_CONFIG leaves the Instance Portal out on purpose: the skip check then has a service to
 * see skipped, while Jupyter (in) exercises Caddy's auth in front of a real backend.
 */
export const DEFAULT_SMOKE_PORTAL_CONFIG = 'localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal';

const SMOKE_DIR = '/opt/vast-smoke';
const PROVISIONING_PROOF = '/tmp/vast-smoke-provisioned';
const SYNC_ITEM = 'vast-smoke-sync';
const SYNC_FILE = 'proof.txt';

/** The smoke's own provisioning script: proves it ran, and holds /.provisioning long enough to be seen. */
const DEFAULT_PROVISIONING_SCRIPT = `#!/bin/bash
# Smoke provisioning script (copied in by the smoke executor): records that PROVISIONING_SCRIPT ran.
set -euo pipefail
echo "smoke provisioning ran in $(pwd)" > ${PROVISIONING_PROOF}
sleep 3
`;

export type ProvisioningSpec =
  | { kind: 'none' }
  /** The smoke's own script (default). */
  | { kind: 'default' }
  /** An https URL the container fetches itself (fetch-script refuses anything else). */
  | { kind: 'url'; url: string; expect: 'complete' | 'failed' }
  /** Script text the smoke copies into the container. */
  | { kind: 'inline'; script: string; expect: 'complete' | 'failed' };

export interface SmokeContainerOptions {
  image: string;
  portalConfig: string;
  token: string;
  provisioning: ProvisioningSpec;
  /** Container name prefix; a random suffix is added. */
  namePrefix: string;
  /** Extra environment (tests use it for scenarios such as SERVERLESS). */
  env?: Record<string, string>;
  /** Boot flags passed to the entrypoint (e.g. --sync-home). */
  args?: string[];
  workspace?: string;
  /** Host files copied in before the container starts (a suite's stand-in binary that boot must already see). */
  files?: Array<{ hostPath: string; containerPath: string }>;
}

export interface SmokeContainer {
  id: string;
  name: string;
  probe: ContainerProbe;
  expectations: SmokeExpectations;
  /** Errors parsing PORTAL_CONFIG (a malformed config is a legitimate scenario: the container must still boot). */
  portalConfigErrors: string[];
  remove(): Promise<void>;
}

function provisioningEnv(spec: ProvisioningSpec): string | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'url':
      return spec.url;
    default:
      return `${SMOKE_DIR}/provision.sh`;
  }
}

function expectedProvisioning(spec: ProvisioningSpec): SmokeExpectations['provisioning'] {
  if (spec.kind === 'none') return 'none';
  if (spec.kind === 'default') return 'complete';
  return spec.expect;
}

/** Creates the container, copies the probes in, starts it. The caller must call remove() (use try/finally). */
export async function startSmokeContainer(options: SmokeContainerOptions): Promise<SmokeContainer> {
  const parsed = parsePortalConfig(options.portalConfig);
  const entries: PortalEntry[] = parsed.ok ? parsed.entries : [];
  const externalPorts = [...new Set(entries.map((e) => e.externalPort))];
  const name = `${options.namePrefix}-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = { PORTAL_CONFIG: options.portalConfig, OPEN_BUTTON_TOKEN: options.token };
  // The platform sets VAST_TCP_PORT_<n> for every mapped port; the portal only serves ports that are mapped.
  for (const port of externalPorts) env[`VAST_TCP_PORT_${port}`] = String(port);
  const provisioningScript = provisioningEnv(options.provisioning);
  if (provisioningScript) env.PROVISIONING_SCRIPT = provisioningScript;
  // A script meant to fail fails on every attempt: one attempt, not the provisioner's default three, 30 s apart.
  if (expectedProvisioning(options.provisioning) === 'failed') env.PROVISIONER_RETRY_MAX = '1';
  Object.assign(env, options.env ?? {});

  const syncContent = `synced by the smoke ${randomBytes(6).toString('hex')}`;
  const staging = mkdtempSync(join(tmpdir(), 'vast-smoke-'));
  let id: string | undefined;
  try {
    id = await createContainer({
      image: options.image,
      name,
      env,
      publish: externalPorts,
      labels: { 'vast.smoke': 'true' },
      args: options.args,
    });

    const smokeDir = join(staging, basename(SMOKE_DIR));
    mkdirSync(smokeDir);
    const script = options.provisioning.kind === 'inline' ? options.provisioning.script : DEFAULT_PROVISIONING_SCRIPT;
    writeFileSync(join(smokeDir, 'provision.sh'), script);
    chmodSync(join(smokeDir, 'provision.sh'), 0o755);
    await copyIntoContainer(id, smokeDir, SMOKE_DIR);

    const syncDir = join(staging, SYNC_ITEM);
    mkdirSync(syncDir);
    writeFileSync(join(syncDir, SYNC_FILE), `${syncContent}\n`);
    await copyIntoContainer(id, syncDir, `/opt/workspace-internal/${SYNC_ITEM}`);
    for (const file of options.files ?? []) await copyIntoContainer(id, file.hostPath, file.containerPath);

    await startContainer(id);
  } catch (e) {
    if (id) await removeContainer(id);
    throw e;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }

  const container = id;
  const provisioning = expectedProvisioning(options.provisioning);
  return {
    id: container,
    name,
    probe: dockerProbe(container),
    portalConfigErrors: parsed.ok ? [] : parsed.errors,
    expectations: {
      portalEntries: entries,
      token: options.token,
      provisioning,
      provisioningProof: options.provisioning.kind === 'default' ? PROVISIONING_PROOF : undefined,
      syncProbe: { name: SYNC_ITEM, file: SYNC_FILE, content: syncContent },
      workspace: options.workspace ?? '/workspace',
      allowedStageFailures: provisioning === 'failed' ? ['75-provisioning'] : [],
    },
    remove: () => removeContainer(container),
  };
}

export interface SmokeRunOptions extends SmokeContainerOptions {
  /** Nx project name: picks the per-image checks and exclusions. */
  imageName: string;
  timeoutSeconds: number;
  config?: SmokeConfig;
  log?: (line: string) => void;
}

export interface SmokeRunResult {
  ok: boolean;
  results: CheckResult[];
  summary: string;
}

/** Boots, checks, prints every check and its result, removes the container. */
export async function runSmoke(options: SmokeRunOptions): Promise<SmokeRunResult> {
  const log = options.log ?? ((line: string) => logger.log(line));
  const { checks, excluded } = selectChecks(options.imageName, options.config ?? SMOKE_CONFIG);
  log(`smoke: booting ${options.image} (${checks.length} checks, timeout ${options.timeoutSeconds}s)`);
  for (const e of excluded) log(`smoke: excluded ${e.check}: ${e.reason}`);

  const container = await startSmokeContainer(options);
  try {
    if (container.portalConfigErrors.length)
      log(`smoke: PORTAL_CONFIG is malformed (${container.portalConfigErrors.join('; ')}); checks expect no entries`);
    const results = await runChecks(
      checks,
      { probe: container.probe, expect: container.expectations },
      {
        timeoutMs: options.timeoutSeconds * 1000,
        onResult: (r) => log(formatResult(r)),
      },
    );
    const summary = summarize(results);
    log(summary.line);
    if (summary.failed) {
      const running = await inspectContainer(container.id, '{{.State.Status}} (exit {{.State.ExitCode}})');
      log(`smoke: container ${container.name} is ${running ?? 'gone'}; its last log lines:\n${await containerLogs(container.id, 60)}`);
    }
    return { ok: summary.failed === 0, results, summary: summary.line };
  } finally {
    await container.remove();
  }
}
