// Gathers what the capabilities manifest is assembled from (fragments, portal entries, markers, ports, GPU facts) off
// a container's disk and environment. Every path is read under `root`, so tests run it on a folder.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mergeCapabilityFragments, type CapabilitiesFacts } from '@vast/conventions/capabilities';
import { parsePortalConfig, parsePortalYaml, type PortalEntry } from '@vast/conventions/portal-config';
import {
  AGENTS_DIR,
  CAPABILITIES_FRAGMENTS_DIR,
  INSTANCE_TOOLS_BIN,
  PROVISIONING_MARKERS,
  provisioningMarkerPath,
  type ProvisioningMarker,
} from '@vast/conventions/runtime-contract';

export interface ReadFactsOptions {
  env: Record<string, string | undefined>;
  /** Where the container's / is (tests: a temp folder). */
  root?: string;
  now?: Date;
}

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
const list = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** Ports in LISTEN state (st 0A) in /proc/net/tcp-format text. */
export function parseListeningPorts(procNetTcp: string): number[] {
  return procNetTcp
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[3] === '0A' && cols[1]?.includes(':'))
    .map((cols) => Number.parseInt(cols[1].split(':')[1], 16));
}

/** The driver's version from /proc/driver/nvidia/version ("... Kernel Module  550.54.14 ..."). */
export function parseNvidiaDriverVersion(text: string): string | undefined {
  return /Kernel Module(?:\s+for\s+\S+)?\s+(\d+(?:\.\d+)+)/.exec(text)?.[1];
}

function portalEntries(root: string, env: ReadFactsOptions['env']): PortalEntry[] {
  const yaml = readText(join(root, 'etc/portal.yaml'));
  if (yaml?.trim()) {
    const parsed = parsePortalYaml(yaml);
    if (parsed.ok) return parsed.entries;
  }
  const parsed = parsePortalConfig(env.PORTAL_CONFIG ?? '');
  return parsed.ok ? parsed.entries : [];
}

function gpuFacts(root: string, env: ReadFactsOptions['env']): CapabilitiesFacts['gpu'] {
  const version = readText(join(root, 'proc/driver/nvidia/version'));
  let driverMaxCuda: string | undefined;
  if (version !== undefined && root === '/') {
    try {
      driverMaxCuda = execFileSync(`${INSTANCE_TOOLS_BIN}/cuda-driver-version`, { timeout: 10_000, encoding: 'utf8' }).trim();
    } catch {
      driverMaxCuda = undefined;
    }
  }
  let installed: string | undefined;
  try {
    installed = /cuda-(\d+\.\d+)$/.exec(readlinkSync(join(root, 'usr/local/cuda')))?.[1];
  } catch {
    installed = undefined;
  }
  return {
    summary: 'unknown',
    driverVersion: version === undefined ? undefined : parseNvidiaDriverVersion(version),
    driverMaxCuda,
    installedCudaVersion: installed,
    cudaHome: env.CUDA_HOME,
  };
}

export function readCapabilitiesFacts({ env, root = '/', now = new Date() }: ReadFactsOptions): CapabilitiesFacts {
  const at = (path: string) => join(root, path);
  const fragments = list(at(CAPABILITIES_FRAGMENTS_DIR))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      try {
        return parse(readText(at(`${CAPABILITIES_FRAGMENTS_DIR}/${f}`)) ?? '') as unknown;
      } catch {
        return undefined;
      }
    });
  const merged = mergeCapabilityFragments(fragments);
  const workspace = env.WORKSPACE || '/workspace';
  let workspaceIsVolume = false;
  try {
    workspaceIsVolume = statSync(at(workspace)).dev !== statSync(root).dev;
  } catch {
    workspaceIsVolume = false;
  }
  const marker = (name: ProvisioningMarker) => existsSync(at(provisioningMarkerPath(name)));
  const pythonEnvKinds: CapabilitiesFacts['pythonEnvKinds'] = {};
  for (const e of merged.python_environments) {
    const path = String(e.path ?? '');
    if (!path) continue;
    pythonEnvKinds[path] = existsSync(at(`${path}/conda-meta`)) ? 'conda' : existsSync(at(`${path}/pyvenv.cfg`)) ? 'venv' : undefined;
  }
  return {
    generatedAt: `${now.toISOString().slice(0, 19)}Z`,
    fragments: merged,
    env,
    portalEntries: portalEntries(root, env),
    provisioning: {
      inProgress: marker(PROVISIONING_MARKERS.inProgress),
      complete: marker(PROVISIONING_MARKERS.complete),
      failed: marker(PROVISIONING_MARKERS.failed),
    },
    listeningPorts: [
      ...parseListeningPorts(readText(at('proc/net/tcp')) ?? ''),
      ...parseListeningPorts(readText(at('proc/net/tcp6')) ?? ''),
    ],
    workspaceIsVolume,
    rcloneConfigured: Boolean(env.RCLONE_CONFIG) || existsSync(at(`${env.HOME || '/root'}/.config/rclone/rclone.conf`)),
    platformJupyter: /jupyter/i.test(readText(at('.launch')) ?? ''),
    gpu: gpuFacts(root, env),
    pythonEnvKinds,
    agentGuides: list(at(AGENTS_DIR)).filter((f) => f.endsWith('.md')),
  };
}
