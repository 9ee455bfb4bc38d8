// The runtime contract's paths and file names: where a booted container keeps its boot stages, launch scripts,
// tools, logs and provisioning markers. Renderers, lint rules, the smoke checks and the portal import them from here.
//
// The shell that runs in the container is the other side of the contract and keeps its own literals, in base-image's
// ROOT/: boot_default.sh (BOOT_DIR, BOOT_LOG), vast_boot.d/75-provisioning.sh (the markers, PROVISIONING_LOG),
// 11-log-dirs.sh and utils/logging.sh (LOG_DIR), 12-cpu-thread-limits.sh (CPU_THREAD_*), utils/exit_portal.sh (SKIP_DIR, CADDY_LOG), supervisord.conf,
// and the build-time scripts of opt/vast-base/ that the base's steps and graft.sh share: create-user.sh (LOG_DIR),
// upstream-layout.sh (PORTAL_DIR, PORTAL_AIO_DIR, INSTANCE_TOOLS_BIN), graft-packages.sh (GRAFT_APT_LIST).
// The shell that is rendered (boot env scripts, launch scripts, provision.sh, the Dockerfile's ENTRYPOINT and PATH)
// takes its values from here; runtime-contract.spec.ts reads them back out of the rendered text, and the smoke
// checks, which import the same values, hold a booted container to them.
export const BOOT_DIR = '/etc/vast_boot.d';
export const BOOT_LOG = '/var/log/vast-boot.log';
export const SUPERVISOR_SCRIPTS_DIR = '/opt/supervisor-scripts';
export const SUPERVISOR_CONF_DIR = '/etc/supervisor/conf.d';
export const INSTANCE_TOOLS_BIN = '/opt/instance-tools/bin';
/**
 * The apt packages the base image installed (`name[ command]` per line), in its copy for external images (GRAFT_DIR
 * in dockerfile.ts): graft.sh installs the same list into an upstream image. Written by the base's install step.
 */
export const GRAFT_APT_LIST = '/opt/vast-base/apt-packages.txt';
/** Where exit_portal.sh and exit_serverless.sh leave `<program>` when they skip a service. */
export const SKIP_DIR = '/tmp/supervisor-skip';

/** Where logging.sh tees each service's output (`<program>.log`), and where the portal reads it. */
export const LOG_DIR = '/var/log/portal';
/** Where log-tee writes the same output without escape sequences (`<program>.log`), for less and grep. */
export const CLEAN_LOG_DIR = '/var/log';
export const PROVISIONING_LOG = `${LOG_DIR}/provisioning.log`;
export const CADDY_LOG = `${LOG_DIR}/caddy.log`;

/**
 * The provisioning markers, as file names in MARKER_DIR: the first exists while provisioning runs (launch scripts wait
 * for it to go), then the provisioner leaves one of the other two. The portal reads them relative to its marker dir.
 */
export const MARKER_DIR = '/';
export const PROVISIONING_MARKERS = {
  inProgress: '.provisioning',
  failed: '.provisioning_failed',
  complete: '.provisioning_complete',
} as const;
export type ProvisioningMarker = (typeof PROVISIONING_MARKERS)[keyof typeof PROVISIONING_MARKERS];
export const provisioningMarkerPath = (marker: ProvisioningMarker) => `${MARKER_DIR}${marker}`;

/** The thread-pool variables boot stage 12-cpu-thread-limits.sh caps, and the markers of its block in /etc/environment. */
export const CPU_THREAD_VARIABLES = [
  'OMP_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'MKL_NUM_THREADS',
  'NUMEXPR_NUM_THREADS',
  'NUMEXPR_MAX_THREADS',
  'VECLIB_MAXIMUM_THREADS',
  'RAYON_NUM_THREADS',
  'TOKIO_WORKER_THREADS',
] as const;
export const CPU_THREAD_BLOCK = {
  begin: '# VAST_CPU_THREAD_CAPS_BEGIN (ADR 0014, managed — do not edit)',
  end: '# VAST_CPU_THREAD_CAPS_END',
} as const;

/** Where the base image ships the portal bundles, and the path upstream's templates and scripts look for it at. */
export const PORTAL_DIR = '/opt/portal';
export const PORTAL_AIO_DIR = '/opt/portal-aio';
/** The applications the portal shows (PORTAL_CONFIG, filtered), written by the caddy service when it starts. */
export const PORTAL_YAML = '/etc/portal.yaml';

/**
 * The tools of upstream's INSTANCE_TOOLS_BIN that the base ships here, as a booted container shows them (the smoke
 * checks run each). Upstream's others are in docs/compatibility.md ("Layout, capabilities, CUDA, variants") with why.
 */
export const INSTANCE_TOOLS = [
  'entrypoint.sh',
  'boot_default.sh',
  'cert-usable',
  'cuda-driver-version',
  'env-hash',
  'jupyter',
  'propagate_ssh_keys.sh',
  'vast-capabilities',
  'venv-backup.sh',
  'caddy',
] as const;

/** The toolkit stage 05 chose (a link to /usr/local/cuda-X.Y), and the loader file it writes when it turns on forward compatibility. */
export const CUDA_LINK = '/usr/local/cuda';
export const CUDA_COMPAT_LD_CONF = '/etc/ld.so.conf.d/0-compat-cuda.conf';

/** Capabilities (upstream §5): the fragments each image ships, the snapshot stage 80 writes, the agent guide. */
export const CAPABILITIES_SNAPSHOT = '/etc/vast_capabilities.json';
export const AGENTS_DIR = '/etc/vast_agents';
export const AGENTS_GUIDE = '/etc/vast-agents-guide.md';
/** The login banner the platform installs; stage 80 keeps one `AI agents:` line in it. */
export const BANNER_FILE = '/etc/banner';

/** The provisioner (packages/provisioner): its wrapper in INSTANCE_TOOLS_BIN runs the bundle in this dir. */
export const PROVISIONER_LIB_DIR = '/opt/instance-tools/lib/provisioner';
export const PROVISIONER_BUNDLE = 'provisioner.cjs';
/** The manifest a derivative bakes in, and where a fetched PROVISIONING_MANIFEST is written. */
export const PROVISIONING_MANIFEST_PATH = '/provisioning.yaml';
/** The stage hashes (PROVISIONER_STATE_DIR overrides it). */
export const PROVISIONER_STATE_DIR = '/.provisioner_state';
/** Left by on_failure `stop` so a restart does not stop the instance again. */
export const PROVISIONER_STOPPED_MARKER = '/.provisioner_stopped';
/**
 * What the provisioner is doing now, as JSON, rewritten as it goes (the portal's provisioning banner reads it):
 * `{ state, phase, phaseIndex, phaseCount, attempt, attempts, updatedAt, downloads: [{ name, dest, received, total, done }] }`.
 */
export const PROVISIONING_PROGRESS_FILE = '/run/provisioning-progress.json';

/** The Tools & Help links file (upstream's format: a YAML list); PORTAL_LINKS adds more at run time. */
export const PORTAL_LINKS_FILE = '/etc/portal-links.yaml';
/** Capability fragments (`NN-<name>.yaml`), merged in file-name order into the /capabilities manifest. */
export const CAPABILITIES_FRAGMENTS_DIR = '/etc/vast_capabilities.d';
/** Present when Vast launched the instance in Jupyter mode (it then manages Jupyter; the portal hides the program). */
export const LAUNCH_MARKER = '.launch';

/**
 * The page Caddy serves in place of a 502/503/504 while an application starts (upstream's 502.html): the base ships it
 * in this dir (the portal bundle's `not-ready/`), the Caddyfile serves it, the smoke checks look for its marker header.
 */
export const NOT_READY_DIR = `${PORTAL_DIR}/not-ready`;
export const NOT_READY_PAGE = '502.html';
/** Response header of the not-ready page (and only of it: Caddy strips it from what applications send). */
export const NOT_READY_HEADER = 'X-Portal-Placeholder';
/** Answered 200 by Caddy itself on every site, without auth: the portal page proves a tunnel reaches this Caddy with it. */
export const PORTAL_RESOLVER_PATH = '/portal-resolver';

/** TLS (boot stage 55 writes them, 55-tls-cert-gen.sh): the pair Caddy serves, and the self-signed attempt count. */
export const TLS_CERT = '/etc/instance.crt';
export const TLS_KEY = '/etc/instance.key';
export const TLS_SELF_SIGNED_MARKER = '/etc/.instance-cert-selfsigned';
/** Where the vastai CLI lives (production profile), and its wrapper in INSTANCE_TOOLS_BIN. */
export const VAST_CLI_DIR = '/opt/vast-cli';

/** Syncthing as upstream lays it out: the binary, and its config and data folders (owned by `user`, who runs it). */
export const SYNCTHING_DIR = '/opt/syncthing';
export const SYNCTHING_BIN = `${SYNCTHING_DIR}/syncthing`;
export const SYNCTHING_CONFIG_DIR = `${SYNCTHING_DIR}/config`;
export const SYNCTHING_DATA_DIR = `${SYNCTHING_DIR}/data`;
/** Where Syncthing's GUI and REST API listen; Caddy proxies the `Syncthing` PORTAL_CONFIG entry here. */
export const SYNCTHING_GUI_PORT = 18384;
