// The capabilities manifest (upstream §5.2, schema_version 1) as a pure function of facts gathered elsewhere: the
// merged fragments, the environment, the portal entries, provisioning markers, listening ports, GPU facts. Stage 80
// writes it to /etc/vast_capabilities.json (static: no supervisor, GPU "unknown"); the portal serves it live, from the
// same facts plus the live ones (supervisor's states, the GPU summary, metrics and package versions when asked).
import type { PortalEntry } from '../schema';
import { AGENTS_DIR, AGENTS_GUIDE, CAPABILITIES_SNAPSHOT, PROVISIONING_LOG } from '../runtime-contract';
import {
  computeCapabilityField,
  cudaComponents,
  forwardCompat,
  MIN_CUDA_FOR_BLACKWELL_WHEELS,
  needsBlackwellWheels,
  type CudaComponentFacts,
  type ForwardCompatFacts,
} from './cuda';
import { renderSupport, type RenderFacts } from './render';

type Json = Record<string, unknown>;

/** A merged environment: keyed by its name (its path when it has none); packages of interest always a list of names. */
export type MergedPythonEnvironment = Json & { name: string; packages_of_interest: string[] };

export interface MergedFragments {
  image: Record<string, unknown>;
  tools: Json[];
  openai_endpoints: Json[];
  python_environments: MergedPythonEnvironment[];
  /** Ours: supervisor program -> the portal entries it serves. */
  services: Array<{
    program: string;
    portal_label?: string;
    ports: Array<{ label: string; external_port: number; internal_port: number }>;
  }>;
}

const isMapping = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const mappings = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isMapping) : []);

/**
 * Upstream's merge, fragments in file-name order: `image` per key (later wins), `tools`, `openai_endpoints` and
 * `services` concatenated, `python_environments` merged by name (or path): packages of interest unioned in order,
 * other keys overridden. Anything that is not a mapping is skipped, as upstream skips it, and so is an environment
 * with neither a name nor a path (nothing to key it by, nothing for an agent to use). A name-less environment takes
 * its path as name, and `packages_of_interest` is a list of strings (empty when absent): `include=packages` asks
 * Python about each, and the manifest's consumers read both without guarding.
 */
export function mergeCapabilityFragments(fragments: readonly unknown[]): MergedFragments {
  const merged: MergedFragments = { image: {}, tools: [], openai_endpoints: [], python_environments: [], services: [] };
  const envs = new Map<string, MergedPythonEnvironment>();
  const names = (value: unknown) =>
    Array.isArray(value) ? value.filter((p) => typeof p === 'string' || typeof p === 'number').map(String) : [];
  for (const fragment of fragments.filter(isMapping)) {
    if (isMapping(fragment.image)) Object.assign(merged.image, fragment.image);
    merged.tools.push(...mappings(fragment.tools));
    merged.openai_endpoints.push(...mappings(fragment.openai_endpoints));
    merged.services.push(...(mappings(fragment.services) as MergedFragments['services']));
    for (const env of mappings(fragment.python_environments)) {
      const key = String(env.name ?? env.path ?? '');
      if (!key) continue;
      const known = envs.get(key);
      const poi = [...(known?.packages_of_interest ?? [])];
      for (const p of names(env.packages_of_interest)) if (!poi.includes(p)) poi.push(p);
      envs.set(key, { ...known, ...env, name: key, packages_of_interest: poi });
    }
  }
  merged.python_environments = [...envs.values()];
  merged.image.repo ??= 'https://github.com/vast-ai/base-image';
  return merged;
}

export interface CapabilitiesFacts {
  /** UTC, ISO 8601 with Z. */
  generatedAt: string;
  fragments: MergedFragments;
  env: Record<string, string | undefined>;
  /** From /etc/portal.yaml, else PORTAL_CONFIG. */
  portalEntries: PortalEntry[];
  /** Supervisor program -> state, live only; undefined for the static snapshot. */
  supervisor?: Map<string, string>;
  provisioning: { inProgress: boolean; complete: boolean; failed: boolean };
  /** TCP ports in LISTEN state (/proc/net/tcp, tcp6). */
  listeningPorts: number[];
  workspaceIsVolume: boolean;
  rcloneConfigured: boolean;
  /** /.launch names Jupyter: the platform runs it. */
  platformJupyter: boolean;
  gpu: {
    summary: string;
    driverVersion?: string;
    driverMaxCuda?: string;
    installedCudaVersion?: string;
    cudaHome?: string;
    /** `ldconfig -p`, the LD_LIBRARY_PATH listings, nvcc and cuda_runtime.h; undefined: not read (all false). */
    components?: CudaComponentFacts;
    /** The compat folder, 0-compat-cuda.conf, LD_LIBRARY_PATH; undefined: not read (all false/null). */
    forwardCompat?: ForwardCompatFacts;
    /** One `X.Y` per GPU (nvidia-smi's compute_cap); undefined or empty: unknown. */
    computeCapabilities?: string[];
    /** The display pieces' visibility; undefined without the NVIDIA driver (no render block, as upstream). */
    render?: RenderFacts;
  };
  /** Environment path -> what is on disk there. */
  pythonEnvKinds: Record<string, 'conda' | 'venv' | undefined>;
  /** File names in AGENTS_DIR. */
  agentGuides: string[];
  /** Live, `include=metrics`: the /system-metrics reading; its `gpu` is merged into hardware.gpu, the rest beside it. */
  metrics?: { cpu: unknown; ram: unknown; disk: unknown; volume?: unknown; gpu: object };
  /** Live, `include=packages`: environment path -> package -> installed version (null: not installed). */
  packageVersions?: Record<string, Record<string, string | null>>;
}

const TOKEN_ENV = ['OPEN_BUTTON_TOKEN', 'WEB_PASSWORD'];
const present = (value: string | undefined) => value !== undefined && value !== '';

/** base.md, then pytorch.md and tensorflow.md, then the rest sorted: the order stage 80 concatenates the guide in. */
export function orderAgentGuides(files: readonly string[]): string[] {
  const first = ['base.md', 'pytorch.md', 'tensorflow.md'].filter((f) => files.includes(f));
  return [...first, ...files.filter((f) => f.endsWith('.md') && !first.includes(f)).sort()];
}

function openPorts(facts: CapabilitiesFacts): Json[] {
  const ports: Json[] = [];
  for (const [name, value] of Object.entries(facts.env)) {
    const match = /^VAST_(TCP|UDP)_PORT_(\d+)$/.exec(name);
    if (!match || !value || !/^\d+$/.test(value)) continue;
    const proto = match[1].toLowerCase();
    const containerPort = Number(match[2]);
    const selfMapped = containerPort > 65535;
    const bindPort = selfMapped ? Number(value) : containerPort;
    const service = facts.portalEntries.find((e) => e.externalPort === containerPort);
    ports.push({
      proto,
      container_port: containerPort,
      public_port: value,
      in_use: (proto === 'tcp' && facts.listeningPorts.includes(bindPort)) || service !== undefined,
      ...(service && { service: service.label }),
      ...(selfMapped && { self_mapped: true, bind_port: bindPort, note: 'The platform maps this port to itself: bind bind_port.' }),
    });
  }
  return ports.sort((a, b) => String(a.proto).localeCompare(String(b.proto)) || Number(a.container_port) - Number(b.container_port));
}

const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The supervisor program of a portal entry: from the fragments when an image declared it, else upstream's name match. */
function programOf(entry: PortalEntry, facts: CapabilitiesFacts): string | undefined {
  const declared = facts.fragments.services.find((s) =>
    s.ports.some((p) => p.label === entry.label && p.external_port === entry.externalPort),
  );
  if (declared) return declared.program;
  const label = alnum(entry.label);
  return [...(facts.supervisor?.keys() ?? [])].find((p) => alnum(p) === label || label.includes(alnum(p)) || alnum(p).includes(label));
}

const schemeOf = (env: CapabilitiesFacts['env']) => (env.ENABLE_HTTPS?.toLowerCase() === 'true' ? 'https' : 'http');

/** `services[]` (also GET /capabilities/services): each portal entry with its URLs, supervisor program and state. */
export function describeServices(facts: CapabilitiesFacts): Json[] {
  const scheme = schemeOf(facts.env);
  const publicIp = facts.env.PUBLIC_IPADDR;
  return facts.portalEntries.map((entry) => {
    const mapped = facts.env[`VAST_TCP_PORT_${entry.externalPort}`];
    const program = programOf(entry, facts);
    let state = (program && facts.supervisor?.get(program)) || 'unknown';
    if (facts.platformJupyter && /jupyter/i.test(entry.label)) state = 'vast-managed';
    const hint = facts.fragments.openai_endpoints.find((e) => e.service === entry.label);
    return {
      name: entry.label,
      hostname: entry.hostname,
      internal_port: entry.internalPort,
      external_port: entry.externalPort,
      open_path: entry.path,
      mapped_port: mapped ?? null,
      internal_url: `http://localhost:${entry.internalPort}`,
      direct_url: publicIp && mapped ? `${scheme}://${publicIp}:${mapped}${entry.path}` : null,
      supervisor_process: program ?? null,
      state,
      ...(hint && {
        openai_v1_base: publicIp && mapped ? `${scheme}://${publicIp}:${mapped}${String(hint.path)}` : null,
        capabilities: hint.capabilities,
      }),
    };
  });
}

export type ProvisioningStatus = 'complete' | 'failed' | 'in_progress' | 'none';

/**
 * Upstream's precedence, complete > failed > in_progress > none: /.provisioning is there at every boot until stage 95
 * (stage 65 makes it), while stage 75 clears the failed marker before it provisions again, so an outcome marker is
 * never stale while provisioning runs, and /.provisioning alone is no sign that it does.
 */
export function provisioningStatus(markers: CapabilitiesFacts['provisioning']): ProvisioningStatus {
  if (markers.complete) return 'complete';
  if (markers.failed) return 'failed';
  if (markers.inProgress) return 'in_progress';
  return 'none';
}

/** `endpoints_openai[]` (also GET /capabilities/endpoints): each endpoint hint whose service is a portal entry. */
export function describeEndpoints(facts: CapabilitiesFacts): Json[] {
  const { env } = facts;
  const scheme = schemeOf(env);
  return facts.fragments.openai_endpoints.flatMap((hint) => {
    const entry = facts.portalEntries.find((e) => e.label === hint.service);
    if (!entry) return [];
    const mapped = env[`VAST_TCP_PORT_${entry.externalPort}`];
    return [
      {
        service: hint.service,
        base_url: env.PUBLIC_IPADDR && mapped ? `${scheme}://${env.PUBLIC_IPADDR}:${mapped}${String(hint.path)}` : null,
        internal_base_url: `http://localhost:${entry.internalPort}${String(hint.path)}`,
        capabilities: hint.capabilities ?? [],
        models_path: hint.models_path ?? null,
        auth: { type: 'bearer', token_env: TOKEN_ENV },
      },
    ];
  });
}

function pythonEnvironments(facts: CapabilitiesFacts): Json[] {
  return facts.fragments.python_environments.map((e) => {
    const path = String(e.path);
    const onDisk = facts.pythonEnvKinds[path];
    return {
      ...e,
      ...(onDisk && { kind: onDisk }),
      ...(facts.packageVersions && { package_versions: facts.packageVersions[path] ?? null }),
    };
  });
}

function hardware(facts: CapabilitiesFacts): Json {
  const { gpu, metrics } = facts;
  const cuda = {
    driver_version: gpu.driverVersion ?? null,
    components: cudaComponents(gpu.components),
    installed_version: gpu.installedCudaVersion ?? null,
    cuda_home: gpu.cudaHome ?? null,
    forward_compat: forwardCompat(gpu.forwardCompat, gpu.driverVersion),
    driver_max_cuda: gpu.driverMaxCuda && /^\d+\.\d+$/.test(gpu.driverMaxCuda) ? gpu.driverMaxCuda : null,
    compute_capability: computeCapabilityField(gpu.computeCapabilities),
    ...(needsBlackwellWheels(gpu.computeCapabilities) && { min_cuda_for_wheels: MIN_CUDA_FOR_BLACKWELL_WHEELS }),
    note:
      'driver_max_cuda is the newest CUDA the driver runs (cuda-driver-version); a toolkit newer than it needs forward compatibility (forward_compat). ' +
      'components says which CUDA libraries the dynamic loader finds (ldconfig -p and LD_LIBRARY_PATH), nvcc and the headers; ' +
      'pip wheels must be built for a CUDA no newer than driver_max_cuda, and for compute capability 10.0 and up (Blackwell) for min_cuda_for_wheels or newer.',
  };
  const render = gpu.render && { render: renderSupport(gpu.components, gpu.render) };
  if (!metrics) return { gpu: { summary: gpu.summary, ...render, cuda } };
  return {
    gpu: { summary: gpu.summary, ...render, cuda, ...metrics.gpu },
    cpu: metrics.cpu,
    ram: metrics.ram,
    disk: metrics.disk,
    ...(metrics.volume !== undefined && { volume: metrics.volume }),
  };
}

/** The manifest, keys in upstream's order. */
export function assembleCapabilities(facts: CapabilitiesFacts): Json {
  const { env } = facts;
  const scheme = schemeOf(env);
  const label = env.VAST_CONTAINERLABEL ?? null;
  return {
    schema_version: 1,
    generated_at: facts.generatedAt,
    image: facts.fragments.image,
    credentials: {
      huggingface: present(env.HF_TOKEN) || present(env.HUGGING_FACE_HUB_TOKEN),
      civitai: present(env.CIVITAI_TOKEN),
      rclone_configured: facts.rcloneConfigured,
      note: 'Presence only: values are never included.',
    },
    instance: {
      container_id: env.CONTAINER_ID ?? null,
      containerlabel: label,
      workspace: env.WORKSPACE || '/workspace',
      workspace_is_volume: facts.workspaceIsVolume,
      scheme,
      public_ip: env.PUBLIC_IPADDR ?? null,
      open_ports: openPorts(facts),
    },
    hardware: hardware(facts),
    python_environments: pythonEnvironments(facts),
    tools: facts.fragments.tools,
    services: describeServices(facts),
    endpoints_openai: describeEndpoints(facts),
    provisioning: {
      status: provisioningStatus(facts.provisioning),
      how_to:
        'Set PROVISIONING_MANIFEST (a manifest: an https URL or a path) or PROVISIONING_SCRIPT (a script: an https URL or a path) in the template; provisioning runs at boot until it succeeds once, and its output goes to log_file.',
      env_conventions: [
        'PROVISIONING_MANIFEST',
        'PROVISIONING_SCRIPT',
        'PROVISIONING_APT',
        'PROVISIONING_PIP',
        'PROVISIONING_CONDA',
        'PROVISIONING_GIT_REPOS',
        'PROVISIONING_DOWNLOADS',
        'PROVISIONING_POST_COMMANDS',
      ],
      log_file: PROVISIONING_LOG,
    },
    auth: {
      edge: 'caddy',
      enabled: env.ENABLE_AUTH?.toLowerCase() !== 'false',
      token_env: TOKEN_ENV,
      methods: ['bearer', 'cookie', 'query'],
      bearer_header: 'Authorization: Bearer <token>',
      cookie_name: label ? `${label}_auth_token` : null,
      query_param: 'token',
      excluded_ports: (env.AUTH_EXCLUDE ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      note: 'Every proxied port asks for one of these; ports in excluded_ports and direct entries (external == internal) ask for none.',
    },
    discovery: {
      capabilities_url: '/capabilities',
      well_known_url: '/.well-known/vast-capabilities',
      // No OpenAPI document is served (upstream's comes from FastAPI); the shapes are the portal's upstream-schemas.ts.
      openapi_url: null,
      snapshot_file: CAPABILITIES_SNAPSHOT,
      agents_guide: {
        combined: AGENTS_GUIDE,
        dir: `${AGENTS_DIR}/`,
        files: orderAgentGuides(facts.agentGuides),
        instruction: `Read ${AGENTS_GUIDE} in full before acting on this instance.`,
      },
    },
  };
}
