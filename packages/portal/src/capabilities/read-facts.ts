// Gathers what the capabilities manifest is assembled from (fragments, portal entries, markers, ports, GPU facts) off
// a container's disk and environment: stage 80's static snapshot, and the portal's live endpoint, which adds what only
// a running portal knows. Every path is read under `root`, so tests run it on a folder; the portal names its own
// fragments folder, marker folder and portal.yaml (its settings, which its tests point elsewhere).
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  mergeCapabilityFragments,
  parseComputeCapabilities,
  VULKAN_ICD_DIRS,
  type CapabilitiesFacts,
} from '@vast/conventions/capabilities';
import { parsePortalConfig, parsePortalYaml, type PortalEntry } from '@vast/conventions/portal-config';
import {
  AGENTS_DIR,
  CAPABILITIES_FRAGMENTS_DIR,
  CUDA_COMPAT_LD_CONF,
  CUDA_LINK,
  INSTANCE_TOOLS_BIN,
  LAUNCH_MARKER,
  MARKER_DIR,
  PORTAL_YAML,
  PROVISIONING_MARKERS,
  type ProvisioningMarker,
} from '@vast/conventions/runtime-contract';

export interface ReadFactsOptions {
  env: Record<string, string | undefined>;
  /** Where the container's / is (tests: a temp folder). */
  root?: string;
  now?: Date;
  /** Absolute paths that default to the container's, under `root`. */
  fragmentsDir?: string;
  markerDir?: string;
  portalYaml?: string;
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

function portalEntries(portalYaml: string, env: ReadFactsOptions['env']): PortalEntry[] {
  const yaml = readText(portalYaml);
  if (yaml?.trim()) {
    const parsed = parsePortalYaml(yaml);
    if (parsed.ok) return parsed.entries;
  }
  const parsed = parsePortalConfig(env.PORTAL_CONFIG ?? '');
  return parsed.ok ? parsed.entries : [];
}

/** A command's output, or undefined when it is not there, fails or hangs: a fact gathered from it is then absent. */
const run = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { timeout: 10_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
};
const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
const dirsOf = (pathList: string | undefined) => (pathList ?? '').split(':').filter((dir) => isAbsolute(dir));

/**
 * The CUDA facts: the component listing (ldconfig -p, run only on the real root, plus the LD_LIBRARY_PATH folders),
 * nvcc and cuda_runtime.h under CUDA_HOME (else /usr/local/cuda), the compat folder of the toolkit /usr/local/cuda
 * points at, 0-compat-cuda.conf, and the GPUs' compute capabilities from nvidia-smi. What cannot be read is absent.
 */
function cudaFacts(
  root: string,
  env: ReadFactsOptions['env'],
): Pick<CapabilitiesFacts['gpu'], 'components' | 'forwardCompat' | 'computeCapabilities' | 'render'> {
  const at = (path: string) => join(root, path);
  const real = root === '/';
  const cudaHome = env.CUDA_HOME && isAbsolute(env.CUDA_HOME) ? env.CUDA_HOME : CUDA_LINK;
  const nvcc = executable(at(`${cudaHome}/bin/nvcc`)) || dirsOf(env.PATH).some((dir) => executable(at(`${dir}/nvcc`)));
  let toolkit = CUDA_LINK;
  try {
    const target = readlinkSync(at(CUDA_LINK));
    toolkit = resolve('/usr/local', target);
  } catch {
    toolkit = CUDA_LINK;
  }
  const compatDir = `${toolkit}/compat`;
  const smi =
    real && existsSync('/proc/driver/nvidia/version') ? run('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader']) : undefined;
  const driver = existsSync(at('/proc/driver/nvidia/version'));
  return {
    components: {
      ldconfig: (real ? run('ldconfig', ['-p']) : undefined) ?? '',
      libraryDirListings: dirsOf(env.LD_LIBRARY_PATH).map((dir) => list(at(dir))),
      nvcc,
      devHeaders: existsSync(at(`${cudaHome}/include/cuda_runtime.h`)),
    },
    forwardCompat: {
      path: compatDir,
      files: list(at(compatDir)),
      ldConf: readText(at(CUDA_COMPAT_LD_CONF)),
      ldLibraryPath: env.LD_LIBRARY_PATH,
    },
    computeCapabilities: smi === undefined ? undefined : parseComputeCapabilities(smi),
    render: driver ? { vulkanIcdListings: VULKAN_ICD_DIRS.map((dir) => list(at(dir))) } : undefined,
  };
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
    ...cudaFacts(root, env),
  };
}

/** Which provisioning markers are in the marker dir (provisioningStatus says what they mean). */
export function readProvisioningMarkers(markerDir: string): CapabilitiesFacts['provisioning'] {
  const marker = (name: ProvisioningMarker) => existsSync(join(markerDir, name));
  return {
    inProgress: marker(PROVISIONING_MARKERS.inProgress),
    complete: marker(PROVISIONING_MARKERS.complete),
    failed: marker(PROVISIONING_MARKERS.failed),
  };
}

export function readCapabilitiesFacts(options: ReadFactsOptions): CapabilitiesFacts {
  const { env, root = '/', now = new Date() } = options;
  const at = (path: string) => join(root, path);
  const fragmentsDir = options.fragmentsDir ?? at(CAPABILITIES_FRAGMENTS_DIR);
  const markerDir = options.markerDir ?? at(MARKER_DIR);
  const fragments = list(fragmentsDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => {
      try {
        return parse(readText(join(fragmentsDir, f)) ?? '') as unknown;
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
    portalEntries: portalEntries(options.portalYaml ?? at(PORTAL_YAML), env),
    provisioning: readProvisioningMarkers(markerDir),
    listeningPorts: [
      ...parseListeningPorts(readText(at('proc/net/tcp')) ?? ''),
      ...parseListeningPorts(readText(at('proc/net/tcp6')) ?? ''),
    ],
    workspaceIsVolume,
    rcloneConfigured: Boolean(env.RCLONE_CONFIG) || existsSync(at(`${env.HOME || '/root'}/.config/rclone/rclone.conf`)),
    platformJupyter: /jupyter/i.test(readText(join(markerDir, LAUNCH_MARKER)) ?? ''),
    gpu: gpuFacts(root, env),
    pythonEnvKinds,
    agentGuides: list(at(AGENTS_DIR)).filter((f) => f.endsWith('.md')),
  };
}
