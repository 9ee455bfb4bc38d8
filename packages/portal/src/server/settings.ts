// The portal server's settings, read once from the environment. Every path can be moved so specs never touch /etc.
import {
  CAPABILITIES_FRAGMENTS_DIR,
  LOG_DIR,
  MARKER_DIR,
  PORTAL_LINKS_FILE,
  PROVISIONING_LOG,
  PROVISIONING_PROGRESS_FILE,
  SKIP_DIR,
  SUPERVISOR_CONF_DIR,
} from '@vast/conventions/runtime-contract';

/** Upstream's: the portal, Caddy and the tunnel manager; ours adds the auth gate Caddy asks on every request. */
const UNSTOPPABLE = ['instance_portal', 'caddy', 'tunnel_manager', 'portal_auth'];

export interface NormalizedPortalServerSettings {
  host: string;
  port: number;
  portalYaml: string;
  supervisorSocket: string;
  supervisorConfDir: string;
  skipDir: string;
  logDir: string;
  /** Where the provisioning markers (PROVISIONING_MARKERS) live. */
  markerDir: string;
  publicDir: string;
  /** VAST_TCP_PORT_<n>: the public port Vast maps to container port n, for the open links. */
  publicPorts: Record<number, number>;
  /** What GET /download-logs archives (upstream: all of /var/log). */
  logArchiveDir: string;
  provisioningLog: string;
  /** The provisioner's progress snapshot (phase, downloads) shown in the banner while provisioning runs. */
  provisioningProgressFile: string;
  /** /sys/fs/cgroup, where RAM and CPU limits and usage are read. */
  cgroupDir: string;
  /** $WORKSPACE: reported as the volume when it is on its own device. */
  workspace: string;
  nvidiaSmi: string;
  cloudflared: string;
  linksFile: string;
  capabilitiesDir: string;
  /** Programs that cannot be stopped through the API: the portal's own, plus PORTAL_UNSTOPPABLE. */
  unstoppable: Set<string>;
  /** The environment the portal started with, for the capabilities manifest and the tunnels. */
  env: Readonly<Record<string, string | undefined>>;
}

export function readPortalServerSettings(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { publicDir: string },
): NormalizedPortalServerSettings {
  const get = (key: string, fallback: string) => env[key]?.trim() || fallback;
  const port = Number(get('PORTAL_PORT', '11111'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `PORTAL_PORT: ${JSON.stringify(env.PORTAL_PORT)} is not a port. Use a whole number between 1 and 65535, or unset it for 11111.`,
    );
  }
  const publicPorts: Record<number, number> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = key.match(/^VAST_TCP_PORT_([0-9]+)$/);
    if (match && value && /^[0-9]+$/.test(value.trim())) publicPorts[Number(match[1])] = Number(value.trim());
  }
  return {
    host: get('PORTAL_HOST', '127.0.0.1'),
    port,
    portalYaml: get('PORTAL_YAML_PATH', '/etc/portal.yaml'),
    supervisorSocket: get('PORTAL_SUPERVISOR_SOCKET', '/var/run/supervisor.sock'),
    supervisorConfDir: get('PORTAL_SUPERVISOR_CONF_DIR', SUPERVISOR_CONF_DIR),
    skipDir: get('PORTAL_SKIP_DIR', SKIP_DIR),
    logDir: get('PORTAL_LOG_DIR', LOG_DIR),
    markerDir: get('PORTAL_MARKER_DIR', MARKER_DIR),
    publicDir: get('PORTAL_PUBLIC_DIR', defaults.publicDir),
    publicPorts,
    logArchiveDir: get('PORTAL_LOG_ARCHIVE_DIR', '/var/log'),
    provisioningLog: PROVISIONING_LOG,
    provisioningProgressFile: get('PORTAL_PROVISIONING_PROGRESS_FILE', PROVISIONING_PROGRESS_FILE),
    cgroupDir: get('PORTAL_CGROUP_DIR', '/sys/fs/cgroup'),
    workspace: get('WORKSPACE', '/workspace'),
    nvidiaSmi: get('PORTAL_NVIDIA_SMI', 'nvidia-smi'),
    cloudflared: get('PORTAL_CLOUDFLARED', 'cloudflared'),
    linksFile: get('PORTAL_LINKS_PATH', PORTAL_LINKS_FILE),
    capabilitiesDir: get('PORTAL_CAPABILITIES_DIR', CAPABILITIES_FRAGMENTS_DIR),
    unstoppable: new Set([
      ...UNSTOPPABLE,
      ...(env.PORTAL_UNSTOPPABLE ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ]),
    env: { ...env },
  };
}
