// GET /capabilities (and /.well-known/vast-capabilities, /capabilities/services, /capabilities/endpoints): the live
// manifest of §5.2, assembled from the fragments in /etc/vast_capabilities.d, portal.yaml, supervisor's processes,
// the provisioning markers and the environment. mergeFragments and describe* are pure; the read* functions and
// assembleManifest (rclone config, the agents guide folder) read files.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PortalEntry } from '@vast/conventions/portal-config';
import type { ProvisioningStatus } from './provisioning-status';

export interface CapabilityFragments {
  image: Record<string, unknown>;
  tools: Array<Record<string, unknown>>;
  openai_endpoints: Array<{ service: string; path: string; capabilities: string[]; models_path: string }>;
  python_environments: Array<Record<string, unknown> & { name: string; path: string; packages_of_interest: string[] }>;
}

const DEFAULT_REPO = 'https://github.com/vast-ai/base-image';

/** Upstream's rules: `image` merged per key, `tools` and `openai_endpoints` concatenated, environments merged by name. */
export function mergeFragments(documents: readonly unknown[]): CapabilityFragments {
  const merged: CapabilityFragments = { image: {}, tools: [], openai_endpoints: [], python_environments: [] };
  for (const doc of documents) {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) continue;
    const d = doc as Record<string, unknown>;
    if (d.image && typeof d.image === 'object' && !Array.isArray(d.image)) Object.assign(merged.image, d.image);
    if (Array.isArray(d.tools)) merged.tools.push(...d.tools.filter((t) => t && typeof t === 'object'));
    if (Array.isArray(d.openai_endpoints)) merged.openai_endpoints.push(...d.openai_endpoints.filter((t) => t && typeof t === 'object'));
    if (Array.isArray(d.python_environments)) {
      for (const env of d.python_environments as Array<Record<string, unknown>>) {
        if (!env || typeof env !== 'object') continue;
        const key = String(env.name ?? env.path ?? '');
        const existing = merged.python_environments.find((e) => String(e.name ?? e.path) === key);
        const poi = Array.isArray(env.packages_of_interest) ? env.packages_of_interest.map(String) : [];
        if (existing) {
          const union = [...existing.packages_of_interest, ...poi.filter((p) => !existing.packages_of_interest.includes(p))];
          Object.assign(existing, env, { packages_of_interest: union });
        } else merged.python_environments.push({ ...env, name: key, path: String(env.path ?? ''), packages_of_interest: poi });
      }
    }
  }
  merged.image.repo ??= DEFAULT_REPO;
  return merged;
}

/** Every `*.yaml` in the directory, in file-name order; unreadable or non-mapping files are skipped. */
export function readFragments(dir: string): unknown[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort();
  } catch {
    return [];
  }
  const docs: unknown[] = [];
  for (const name of names) {
    try {
      docs.push(parse(readFileSync(join(dir, name), 'utf8')));
    } catch {
      // skipped, as upstream does
    }
  }
  return docs;
}

export interface CapabilityFacts {
  fragments: CapabilityFragments;
  entries: readonly PortalEntry[];
  /** Supervisor's processes (hidden ones already left out): name and statename. */
  processes: ReadonlyArray<{ name: string; statename: string }>;
  env: Readonly<Record<string, string | undefined>>;
  gpuSummary: string;
  provisioning: ProvisioningStatus;
  provisioningLog: string;
  workspaceIsVolume: boolean;
  /** Ports in LISTEN state (from /proc/net/tcp[6]). */
  listeningPorts: ReadonlySet<number>;
  /** Python environment kinds found on disk, by path. */
  environmentKinds: Readonly<Record<string, 'conda' | 'venv'>>;
  /** `include=packages`: per environment path, the installed version of each package of interest (null: absent). */
  packageVersions?: Readonly<Record<string, Record<string, string | null>>>;
  /** `include=metrics`: the /system-metrics reading. */
  metrics?: { cpu: unknown; ram: unknown; disk: unknown; volume?: unknown; gpu: Record<string, unknown> };
  now: Date;
}

const TOKEN_ENV = ['OPEN_BUTTON_TOKEN', 'WEB_PASSWORD'];
const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function schemeOf(env: CapabilityFacts['env']): 'http' | 'https' {
  return (env.ENABLE_HTTPS ?? '').toLowerCase() === 'true' ? 'https' : 'http';
}

export function describeServices(facts: Omit<CapabilityFacts, 'metrics' | 'now'>) {
  const scheme = schemeOf(facts.env);
  return facts.entries.map((entry) => {
    const mapped = facts.env[`VAST_TCP_PORT_${entry.externalPort}`] ?? null;
    const wanted = alnum(entry.label);
    const process = facts.processes.find((p) => {
      const name = alnum(p.name);
      return name !== '' && (name === wanted || wanted.includes(name) || name.includes(wanted));
    });
    const hint = facts.fragments.openai_endpoints.find((e) => e.service === entry.label);
    const service: Record<string, unknown> = {
      name: entry.label,
      hostname: entry.hostname,
      internal_port: entry.internalPort,
      external_port: entry.externalPort,
      open_path: entry.path,
      mapped_port: mapped,
      internal_url: `http://localhost:${entry.internalPort}`,
      direct_url: mapped && facts.env.PUBLIC_IPADDR ? `${scheme}://${facts.env.PUBLIC_IPADDR}:${mapped}${entry.path}` : null,
      supervisor_process: process?.name ?? null,
      state: process?.statename ?? 'unknown',
    };
    if (hint) {
      service.openai_v1_base = mapped && facts.env.PUBLIC_IPADDR ? `${scheme}://${facts.env.PUBLIC_IPADDR}:${mapped}${hint.path}` : null;
      service.capabilities = hint.capabilities;
    }
    return service;
  });
}

export function describeEndpoints(facts: Omit<CapabilityFacts, 'metrics' | 'now'>) {
  const scheme = schemeOf(facts.env);
  return facts.fragments.openai_endpoints.flatMap((hint) => {
    const entry = facts.entries.find((e) => e.label === hint.service);
    if (!entry) return [];
    const mapped = facts.env[`VAST_TCP_PORT_${entry.externalPort}`];
    return [
      {
        service: hint.service,
        base_url: mapped && facts.env.PUBLIC_IPADDR ? `${scheme}://${facts.env.PUBLIC_IPADDR}:${mapped}${hint.path}` : null,
        internal_base_url: `http://localhost:${entry.internalPort}${hint.path}`,
        capabilities: hint.capabilities ?? [],
        models_path: hint.models_path ?? null,
        auth: { type: 'bearer', token_env: TOKEN_ENV },
      },
    ];
  });
}

export function assembleManifest(facts: CapabilityFacts): Record<string, unknown> {
  const env = facts.env;
  const services = describeServices(facts);
  const usedPorts = new Set(facts.entries.map((e) => e.externalPort));
  const openPorts = Object.entries(env)
    .flatMap(([key, value]) => {
      const m = key.match(/^VAST_(TCP|UDP)_PORT_([0-9]+)$/);
      if (!m || !value || !/^[0-9]+$/.test(value)) return [];
      const port = Number(m[2]);
      const selfMapped = port > 65535;
      const bind = selfMapped ? Number(value) : port;
      const entry: Record<string, unknown> = {
        proto: m[1].toLowerCase(),
        container_port: port,
        public_port: value,
        in_use: facts.listeningPorts.has(bind) || usedPorts.has(port),
      };
      const service = facts.entries.find((e) => e.externalPort === port);
      if (service) entry.service = service.label;
      if (selfMapped)
        Object.assign(entry, {
          self_mapped: true,
          bind_port: bind,
          note: 'Bind your service to bind_port: it is reachable at the same public port.',
        });
      return [entry];
    })
    .sort((a, b) => String(a.proto).localeCompare(String(b.proto)) || Number(a.container_port) - Number(b.container_port));
  const label = env.VAST_CONTAINERLABEL ?? null;
  const gpu: Record<string, unknown> = { summary: facts.gpuSummary };
  const hardware: Record<string, unknown> = { gpu };
  if (facts.metrics) {
    Object.assign(gpu, facts.metrics.gpu);
    Object.assign(hardware, { cpu: facts.metrics.cpu, ram: facts.metrics.ram, disk: facts.metrics.disk });
    if (facts.metrics.volume) hardware.volume = facts.metrics.volume;
  }
  return {
    schema_version: 1,
    generated_at: facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    image: facts.fragments.image,
    credentials: {
      huggingface: Boolean(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN),
      civitai: Boolean(env.CIVITAI_TOKEN),
      rclone_configured: Boolean(env.RCLONE_CONFIG) || existsSync(join(env.HOME ?? '/root', '.config/rclone/rclone.conf')),
      note: 'Presence only; values are never reported.',
    },
    instance: {
      container_id: env.CONTAINER_ID ?? null,
      containerlabel: label,
      workspace: env.WORKSPACE || '/workspace',
      workspace_is_volume: facts.workspaceIsVolume,
      scheme: schemeOf(env),
      public_ip: env.PUBLIC_IPADDR ?? null,
      open_ports: openPorts,
    },
    hardware,
    python_environments: facts.fragments.python_environments.map((e) => {
      const env: Record<string, unknown> = { ...e, kind: facts.environmentKinds[e.path] ?? e.kind };
      if (env.kind === undefined) delete env.kind;
      if (facts.packageVersions) env.package_versions = facts.packageVersions[e.path] ?? null;
      return env;
    }),
    tools: facts.fragments.tools,
    services,
    endpoints_openai: describeEndpoints(facts),
    provisioning: {
      status: facts.provisioning,
      how_to: 'Set PROVISIONING_MANIFEST to a manifest URL (or write /provisioning.yaml) and restart, or POST /capabilities/provision.',
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
      log_file: facts.provisioningLog,
    },
    auth: {
      edge: 'caddy',
      enabled: env.ENABLE_AUTH === undefined ? true : env.ENABLE_AUTH === 'true',
      token_env: TOKEN_ENV,
      methods: ['bearer', 'cookie', 'query'],
      bearer_header: 'Authorization: Bearer <token>',
      cookie_name: label ? `${label}_auth_token` : null,
      query_param: 'token',
      excluded_ports: (env.AUTH_EXCLUDE ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
      note: 'Caddy checks every request to an external port; in-container callers on localhost need no token.',
    },
    discovery: {
      capabilities_url: '/capabilities',
      well_known_url: '/.well-known/vast-capabilities',
      // No OpenAPI document is served (upstream's comes from FastAPI); the shapes are upstream-schemas.ts.
      openapi_url: null,
      snapshot_file: '/etc/vast_capabilities.json',
      agents_guide: {
        combined: '/etc/vast-agents-guide.md',
        dir: '/etc/vast_agents/',
        files: readGuideFiles('/etc/vast_agents'),
        instruction: 'Read /etc/vast-agents-guide.md in full before acting on this instance.',
      },
    },
  };
}

function readGuideFiles(dir: string): string[] {
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith('.md'));
    return [...names.filter((n) => n === 'base.md'), ...names.filter((n) => n !== 'base.md').sort()];
  } catch {
    return [];
  }
}

/** Ports in LISTEN state, from /proc/net/tcp and tcp6 (state 0A). */
export function readListeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A') ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

const VERSIONS_SCRIPT = [
  'import json, sys',
  'from importlib import metadata',
  'out = {}',
  'for name in sys.argv[1:]:',
  '    try:',
  '        out[name] = metadata.version(name)',
  '    except Exception:',
  '        out[name] = None',
  'print(json.dumps(out))',
].join('\n');

/** `<path>/bin/python` asked for each package of interest (20 s at most, as upstream); an environment that fails gives null. */
export async function readPackageVersions(fragments: CapabilityFragments): Promise<Record<string, Record<string, string | null>>> {
  const result: Record<string, Record<string, string | null>> = {};
  await Promise.all(
    fragments.python_environments
      .filter((env) => env.path && env.packages_of_interest.length > 0)
      .map(
        (env) =>
          new Promise<void>((resolve) => {
            execFile(
              join(env.path, 'bin/python'),
              ['-c', VERSIONS_SCRIPT, ...env.packages_of_interest],
              { timeout: 20_000 },
              (error, stdout) => {
                try {
                  if (!error) result[env.path] = JSON.parse(stdout) as Record<string, string | null>;
                } catch {
                  // not JSON: no versions for this environment
                }
                resolve();
              },
            );
          }),
      ),
  );
  return result;
}

export function readEnvironmentKinds(fragments: CapabilityFragments): Record<string, 'conda' | 'venv'> {
  const kinds: Record<string, 'conda' | 'venv'> = {};
  for (const env of fragments.python_environments) {
    if (!env.path) continue;
    if (existsSync(join(env.path, 'conda-meta'))) kinds[env.path] = 'conda';
    else if (existsSync(join(env.path, 'pyvenv.cfg'))) kinds[env.path] = 'venv';
  }
  return kinds;
}
