// The base image: runtime infrastructure every template inherits (boot chain, supervisor, Caddy, Jupyter, portal).
import {
  aptPackageNames,
  CUDA_RUNTIME_ARG,
  defineImage,
  INSTANCE_TOOLS_BIN,
  MINI_FROM,
  PROVISIONER_LIB_DIR,
  renderAptInstall,
  SYNCTHING_BIN,
  SYNCTHING_CONFIG_DIR,
  SYNCTHING_DATA_DIR,
  SYNCTHING_DIR,
  SYNCTHING_GUI_PORT,
  upstreamBaseVariants,
  type AptPackage,
  VAST_CLI_DIR,
} from '@vast/conventions';

/**
 * Every apt package the base installs: upstream's 82 (reference §3.7, in its groups, `--no-install-recommends`) and
 * the runtime ours adds. Both profiles install this one list; where Debian bookworm (the local profile) has no such
 * package, the entry names what it installs instead, or `false`, and why. external images graft the same list.
 */
export const APT_PACKAGES: AptPackage[] = [
  ...group('Base system utilities', ['acl', 'bc', 'ca-certificates', 'gpg-agent', 'software-properties-common', 'locales']),
  ...group('Base system utilities', ['lsb-release', 'curl', 'wget', 'sudo', 'moreutils', 'nano', 'vim', 'less', 'jq', 'git']),
  ...group('Base system utilities', ['git-lfs']),
  {
    name: 'man',
    group: 'Base system utilities',
    local: 'man-db',
    why: 'bookworm has `man` only as a virtual package, which apt will not pick a provider for; man-db provides it',
  },
  ...group('Base system utilities', ['tzdata']),
  { name: 'expect', group: 'Base system utilities', command: 'unbuffer' },
  ...group('Display', ['fonts-dejavu', 'fonts-freefont-ttf']),
  { name: 'fonts-ubuntu', group: 'Display', local: false, why: "Ubuntu's own font: not in bookworm's main archive" },
  ...group('Display', ['ffmpeg', 'sox']),
  {
    name: 'mesa-utils-extra',
    group: 'Display',
    local: 'mesa-utils',
    why: "bookworm merged mesa-utils-extra's tools (eglinfo, es2gears, ...) into mesa-utils",
  },
  ...group('System monitoring & debugging', ['htop', 'iotop', 'strace', 'libtcmalloc-minimal4', 'lsof', 'procps', 'psmisc']),
  {
    name: 'nvtop',
    group: 'System monitoring & debugging',
    local: false,
    why: "not in bookworm's main archive (the local root has no contrib), and it shows nothing without a GPU",
  },
  ...group('Infiniband', ['rdma-core', 'libibverbs1', 'ibverbs-providers', 'libibumad3', 'librdmacm1', 'infiniband-diags']),
  ...group('Development essentials', ['build-essential', 'cmake', 'ninja-build', 'gdb', 'libssl-dev']),
  ...group('Build system tools', ['pkg-config', 'autoconf', 'automake', 'libtool']),
  ...group('Common dev libraries', ['libffi-dev', 'libcurl4-openssl-dev', 'libxml2-dev', 'libsqlite3-dev']),
  ...group('Image processing', ['libpng-dev', 'libjpeg-dev', 'libwebp-dev']),
  // An upstream image's own python3 is kept as it is (graft.sh skips these where python3 exists).
  ...group('System Python', ['python3-full', 'python3-dev', 'python3-pip']).map((p) => ({ ...p, command: 'python3' })),
  ...group('Network utilities', ['netcat-traditional', 'net-tools', 'dnsutils', 'iproute2', 'iputils-ping', 'traceroute']),
  ...group('File management', ['dos2unix', 'rsync', 'rclone', 'zip', 'unzip', 'xz-utils', 'zstd']),
  {
    name: 'linux-tools-common',
    group: 'Performance analysis / cron',
    local: 'linux-perf',
    why: "Ubuntu's package of perf; bookworm ships perf as linux-perf",
  },
  ...group('Performance analysis / cron', ['cron', 'rsyslog']),
  ...group('OpenCL', ['clinfo', 'pocl-opencl-icd', 'opencl-headers', 'ocl-icd-libopencl1', 'ocl-icd-dev', 'ocl-icd-opencl-dev']),
  ...group('Vulkan', ['vulkan-tools']),
  // The runtime the boot and its services use (not in upstream's list: upstream takes these from elsewhere).
  { name: 'openssl', group: 'Runtime' },
  { name: 'util-linux', group: 'Runtime', command: 'flock' },
  { name: 'caddy', group: 'Runtime', command: 'caddy' },
  { name: 'nodejs', group: 'Runtime', command: 'node' },
  { name: 'python3', group: 'Runtime', command: 'python3' },
  {
    name: 'supervisor',
    group: 'Runtime',
    command: 'supervisord',
    production: false,
    why: 'production installs it from PyPI (python-tools step), newer than the distribution, as upstream does',
  },
  {
    name: 'jupyter-notebook',
    group: 'Runtime',
    command: 'jupyter',
    production: false,
    why: 'production installs Jupyter from PyPI (python-tools step), as upstream does',
  },
  {
    name: 'syncthing',
    group: 'Runtime',
    command: 'syncthing',
    production: false,
    why: "production installs Syncthing's release binary (syncthing step), as upstream does; bookworm's package is 1.19",
  },
];

/**
 * The part of APT_PACKAGES the `local-min` variant installs: what the boot, its services and the smoke run use (the
 * commands templates call included), so an arm64 build under emulation takes minutes, not the full list's hour.
 */
const BOOT_PACKAGES = new Set([
  ...['acl', 'bc', 'ca-certificates', 'locales', 'curl', 'wget', 'sudo', 'moreutils', 'nano', 'vim', 'less', 'jq', 'git', 'git-lfs'],
  ...['tzdata', 'expect', 'htop', 'strace', 'lsof', 'procps', 'psmisc', 'python3-full', 'python3-pip'],
  ...['netcat-traditional', 'net-tools', 'dnsutils', 'iproute2', 'iputils-ping', 'traceroute', 'rsync', 'zip', 'unzip', 'xz-utils'],
  ...['zstd', 'cron', 'openssl', 'util-linux', 'caddy', 'nodejs', 'python3', 'supervisor', 'jupyter-notebook', 'syncthing'],
]);

const unknownBootPackages = [...BOOT_PACKAGES].filter((name) => !APT_PACKAGES.some((p) => p.name === name));
if (unknownBootPackages.length) {
  throw new Error(
    `packages/images/base-image/image.ts: BOOT_PACKAGES: ${unknownBootPackages.join(', ')} not in APT_PACKAGES. Name entries of APT_PACKAGES (the upstream name).`,
  );
}

/**
 * NVIDIA's apt keyring package for its CUDA repository (ubuntu2404, the minis' FROM), pinned: the cuda-runtime step
 * refuses any other bytes. The SHA-256 values could not be read from where this was written (NVIDIA's site is not
 * reachable here), so the step stops with a message until they are filled in from the .deb of each architecture's
 * repository. A constant in the step, not a build arg: an arg's value reaches every RUN after its ARG line, so a new
 * pin would rebuild every variant from its first step, where a change of this step's text re-runs this step only.
 */
const CUDA_KEYRING = { version: '1.1-1', sha256: { amd64: 'unconfirmed', arm64: 'unconfirmed' } };
/** The Ubuntu release of the minis' FROM, whose NVIDIA repository (`ubuntu2404`) the keyring is pinned for. */
const CUDA_REPOSITORY_RELEASE = MINI_FROM.slice('ubuntu:'.length);
const CUDA_REPOSITORY_NAME = `ubuntu${CUDA_REPOSITORY_RELEASE.replace('.', '')}`;
const CUDA_REPOSITORY_URL = `https://developer.download.nvidia.com/compute/cuda/repos/${CUDA_REPOSITORY_NAME}`;

/**
 * What upstream's Dockerfile.runtime adds per CUDA line (written X-Y): the forward-compatibility driver, nvcc, the
 * runtime compiler and the libraries its images' users link against; libnccl2 follows the lowest line.
 */
const CUDA_RUNTIME_PACKAGES = ['cuda-compat', 'cuda-nvcc', 'cuda-cccl', 'cuda-nvrtc', 'libnpp', 'libnvjpeg', 'libcufft'];

function group(name: string, packages: string[]): AptPackage[] {
  return packages.map((p) => ({ name: p, group: name }));
}

export default defineImage({
  name: 'base-image',
  class: 'base',
  description: 'Base image suitable for Vast.ai.',
  repository: 'vastai/base-image',
  args: {
    PYTHON_VERSION: '3.12',
    // uv's release tarballs, pinned: the build refuses any other bytes. The SHA-256 values are the .sha256 files
    // published next to each tarball on uv's release page for UV_VERSION; they could not be read from where this
    // was written, so the build stops with a message until they are filled in (bump all three together).
    UV_VERSION: '0.8.0',
    UV_SHA256_AMD64: 'unconfirmed',
    UV_SHA256_ARM64: 'unconfirmed',
    // The vastai CLI's git ref (a branch or tag). Upstream clones the default branch at every build; naming it here
    // makes the ref part of the build's inputs, so a different CLI is a reviewed change.
    VAST_CLI_REF: 'master',
    // Syncthing's release (production profile). Upstream resolves the latest release during the build; a pinned
    // version makes a newer Syncthing a reviewed change.
    SYNCTHING_VERSION: '1.30.0',
  },
  env: {
    IMAGE_TYPE: 'vast',
    DATA_DIRECTORY: '/workspace',
    WORKSPACE: '/workspace',
    PIP_BREAK_SYSTEM_PACKAGES: '1',
    DEBIAN_FRONTEND: 'noninteractive',
    PYTHONUNBUFFERED: '1',
    // expect's unbuffer (the `pty` of every launch script) finds Tcl's libraries here on every architecture.
    TCLLIBPATH: '/usr/lib/tcltk/default',
    NVIDIA_DRIVER_CAPABILITIES: 'all',
    UV_CACHE_DIR: '/.uv/cache',
    UV_NO_CACHE: '1',
    UV_LINK_MODE: 'copy',
    UV_PYTHON_BIN_DIR: '/.uv/python_bin',
    UV_PYTHON_INSTALL_DIR: '/.uv/python_install',
    PATH: `${INSTANCE_TOOLS_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  },
  artifacts: [
    { from: 'dist/packages/portal', to: 'opt/portal' },
    // Run by ROOT/opt/instance-tools/bin/provisioner (boot stage 75) with the image's node.
    { from: 'dist/packages/provisioner', to: PROVISIONER_LIB_DIR.slice(1) },
  ],
  steps: [
    {
      name: 'debian-packages',
      profile: 'local',
      comment:
        'Offline profile: the same package list from Debian bookworm (differences named in the step), so the image builds with no registry but Debian.',
      run: [
        'if [[ "${APT_PACKAGE_SET:-full}" == full ]]; then',
        renderAptInstall(APT_PACKAGES, 'local'),
        'else',
        '# local-min: only what the boot, its services and the smoke use (e2e/multi-arch builds it for arm64 under emulation).',
        'apt-get update',
        `apt-get install -y --no-install-recommends ${aptPackageNames(
          APT_PACKAGES.filter((p) => BOOT_PACKAGES.has(p.name)),
          'local',
        ).join(' ')}`,
        'rm -rf /var/lib/apt/lists/*',
        'fi',
        'supervisord --version && caddy version && node --version && jupyter notebook --version',
      ].join('\n'),
    },
    {
      name: 'system-packages',
      profile: 'production',
      comment: [
        "Production profile (Ubuntu / CUDA bases): upstream's package list plus the runtime. caddy and nodejs come from",
        'Ubuntu here; supervisor and Jupyter from PyPI below (newer than the distribution, as upstream does).',
      ].join('\n'),
      run: [renderAptInstall(APT_PACKAGES, 'production', { upgrade: true }), 'caddy version && node --version && python3 --version'].join(
        '\n',
      ),
    },
    {
      name: 'python-tools',
      profile: 'production',
      comment: [
        'uv for fast installs, from its release tarball checked against the pinned SHA-256 (never a remote script piped',
        'into sh); Jupyter, supervisor and TensorBoard for the system Python (the services run them from there), as upstream.',
      ].join('\n'),
      run: [
        'case "$(dpkg --print-architecture)" in amd64) uv_arch=x86_64 uv_sha256=${UV_SHA256_AMD64} ;; arm64) uv_arch=aarch64 uv_sha256=${UV_SHA256_ARM64} ;; *) echo "python-tools: no uv pinned for $(dpkg --print-architecture)" >&2; exit 1 ;; esac',
        '[[ "${uv_sha256}" =~ ^[0-9a-f]{64}$ ]] || { echo "python-tools: UV_SHA256 for ${uv_arch} is \'${uv_sha256}\', not a SHA-256. Set it in packages/images/base-image/image.ts (args) from uv-${uv_arch}-unknown-linux-gnu.tar.gz.sha256 of uv ${UV_VERSION}." >&2; exit 1; }',
        'uv_dir="uv-${uv_arch}-unknown-linux-gnu"',
        'curl -fsSL --proto =https --proto-redir =https -o /tmp/uv.tar.gz "https://github.com/astral-sh/uv/releases/download/${UV_VERSION}/${uv_dir}.tar.gz"',
        'echo "${uv_sha256}  /tmp/uv.tar.gz" | sha256sum --check --strict -',
        'tar -xzf /tmp/uv.tar.gz -C /usr/local/bin --strip-components=1 --no-same-owner "${uv_dir}/uv" "${uv_dir}/uvx"',
        'rm -f /tmp/uv.tar.gz',
        'pip install --no-cache-dir --ignore-installed jupyter supervisor tensorboard',
        '[[ "$(uv --version)" == "uv ${UV_VERSION}"* ]] && supervisord --version && jupyter --version && tensorboard --version',
      ].join('\n'),
    },
    {
      name: 'main-venv-production',
      profile: 'production',
      comment: 'The shared /venv/main on the variant\'s Python, registered as the Jupyter kernel "main".',
      run: [
        'uv venv --seed /venv/main -p "${PYTHON_VERSION}"',
        'uv pip install --python /venv/main/bin/python wheel "huggingface-hub[cli]" ipykernel ipywidgets',
        "/venv/main/bin/python -m ipykernel install --name main --display-name 'Python3 (main venv)'",
        '/venv/main/bin/python --version',
      ].join('\n'),
    },
    {
      name: 'user',
      comment:
        'Uid 1001 in group root, so files written by either side stay writable by the other (umask 002). graft.sh runs the same script.',
      needs: ['opt/vast-base/create-user.sh'],
      run: ['/opt/vast-base/create-user.sh', 'test -d /usr/lib/tcltk/default/'].join('\n'),
    },
    {
      name: 'main-venv',
      profile: 'local',
      comment: 'The shared /venv/main over the system Python, so Debian-packaged Jupyter sees it (graft.sh runs the same script).',
      needs: ['opt/vast-base/main-venv.sh'],
      run: [
        '/opt/vast-base/main-venv.sh',
        '# Registered as a Jupyter kernel, as production does; the Debian kernel stays available as "python3".',
        "/venv/main/bin/python -Xfrozen_modules=off -m ipykernel install --name main --display-name 'Python3 (main venv)'",
        'test -f /usr/local/share/jupyter/kernels/main/kernel.json',
      ].join('\n'),
    },
    {
      name: 'syncthing',
      profile: 'production',
      comment: [
        `Syncthing's release binary at ${SYNCTHING_BIN}, as upstream installs it; the syncthing program runs it only while`,
        "PORTAL_CONFIG lists Syncthing. The tarball is checked against the release's own sha256sum.txt.asc, which catches",
        "a damaged download, not a replaced release. The local profile installs Debian's package instead (the apt list).",
      ].join('\n'),
      run: [
        'st_arch=$(dpkg --print-architecture)',
        '[[ "${st_arch}" == amd64 || "${st_arch}" == arm64 ]] || { echo "syncthing: no release for ${st_arch}" >&2; exit 1; }',
        'st_name="syncthing-linux-${st_arch}-v${SYNCTHING_VERSION}"',
        'st_url="https://github.com/syncthing/syncthing/releases/download/v${SYNCTHING_VERSION}"',
        'curl -fsSL --proto =https --proto-redir =https -o "/tmp/${st_name}.tar.gz" "${st_url}/${st_name}.tar.gz"',
        'curl -fsSL --proto =https --proto-redir =https -o /tmp/syncthing-sha256sum.txt "${st_url}/sha256sum.txt.asc"',
        '(cd /tmp && grep " ${st_name}.tar.gz$" syncthing-sha256sum.txt | sha256sum --check --strict -)',
        `mkdir -p ${SYNCTHING_DIR}`,
        `tar -xzf "/tmp/\${st_name}.tar.gz" -C ${SYNCTHING_DIR} --strip-components=1 --no-same-owner "\${st_name}/syncthing"`,
        'rm -f "/tmp/${st_name}.tar.gz" /tmp/syncthing-sha256sum.txt',
        `echo "syncthing version: $(${SYNCTHING_BIN} --version)"`,
      ].join('\n'),
    },
    {
      name: 'upstream-layout',
      comment:
        "Upstream's paths for what this image keeps elsewhere: the portal at /opt/portal-aio, caddy among the instance tools, Syncthing's folders (graft.sh runs the same script).",
      needs: ['opt/vast-base/upstream-layout.sh'],
      run: '/opt/vast-base/upstream-layout.sh',
    },
    {
      name: 'vast-cli',
      profile: 'production',
      comment: [
        "Upstream's vastai CLI (upstream-runtime.md §3.10): vast-ai/vast-cli cloned into /opt/vast-cli, run by the Python",
        'of its own venv through a wrapper in the instance tools. Not pre-authenticated: use --api-key "$CONTAINER_API_KEY".',
        'Its requirements go into a venv of its own (upstream relies on what the other system installs happen to bring):',
        "a system-wide pip install is refused on Ubuntu 24.04 (PEP 668), and /venv/main stays the user's.",
        'First boot pulls it up to date unless --no-update-vast or SERVERLESS (first_boot/05-update-vast.sh, as upstream).',
      ].join('\n'),
      needs: ['opt/vast-base/update-vast-cli.sh'],
      run: [
        `git clone --depth 1 --branch "\${VAST_CLI_REF}" https://github.com/vast-ai/vast-cli ${VAST_CLI_DIR}`,
        `/usr/bin/python3 -m venv ${VAST_CLI_DIR}/.venv`,
        `if [[ -f ${VAST_CLI_DIR}/requirements.txt ]]; then ${VAST_CLI_DIR}/.venv/bin/pip install --no-cache-dir -r ${VAST_CLI_DIR}/requirements.txt; fi`,
        // No `cd` into the clone as upstream's wrapper does, so relative paths the user passes still mean what they say.
        `cat > ${INSTANCE_TOOLS_BIN}/vastai <<'WRAPPER'`,
        '#!/bin/bash',
        `# vastai: the Vast.ai CLI (${VAST_CLI_DIR}, cloned at build) with its own venv.`,
        `exec ${VAST_CLI_DIR}/.venv/bin/python ${VAST_CLI_DIR}/vast.py "$@"`,
        'WRAPPER',
        `chmod 0755 ${INSTANCE_TOOLS_BIN}/vastai`,
        // A copy, not a link: boot finds the stages that read a flag's variable with grep -r, which skips links.
        'install -D -m 0755 /opt/vast-base/update-vast-cli.sh /etc/vast_boot.d/first_boot/05-update-vast.sh',
        `vastai --help >/dev/null && git -C ${VAST_CLI_DIR} log -1 --format='vastai %h %cs'`,
      ].join('\n'),
    },
    {
      // Upstream builds a mini with Dockerfile.runtime FROM the just-built stock image; a base variant here names a root
      // image, not another variant, so a mini is the stock build (MINI_FROM and every step above) plus this step, last,
      // as upstream's layer is. It acts only where the variant sets CUDA_RUNTIME_VERSIONS (base-matrix.ts
      // UPSTREAM_MINI_BASES); NVIDIA_DRIVER_CAPABILITIES=all is already this image's ENV.
      name: 'cuda-runtime',
      profile: 'production',
      comment: [
        `The "mini" variants: NVIDIA's CUDA runtime packages of each line in ${CUDA_RUNTIME_ARG}, from NVIDIA's apt repository`,
        "(its keyring .deb checked against the pinned SHA-256), as upstream's Dockerfile.runtime. Other variants skip it.",
      ].join('\n'),
      run: [
        `read -ra cuda_lines <<<"\${${CUDA_RUNTIME_ARG}:-}"`,
        'if (( ${#cuda_lines[@]} == 0 )); then',
        '  # A variant that states a CUDA line on a FROM without a toolkit would ship none: upstream fails on an empty list.',
        `  [[ -z "\${CUDA_SHORT:-}" || -e /usr/local/cuda ]] || { echo "cuda-runtime: the variant states CUDA \${CUDA_SHORT}, but its FROM image has no toolkit and ${CUDA_RUNTIME_ARG} is empty. List its CUDA lines (e.g. '12-9') in packages/conventions/src/base-matrix.ts (UPSTREAM_MINI_BASES)." >&2; exit 1; }`,
        `  echo "cuda-runtime: ${CUDA_RUNTIME_ARG} is empty, nothing to add"`,
        '  exit 0',
        'fi',
        '. /etc/os-release',
        `[[ "\${VERSION_ID:-}" == ${CUDA_REPOSITORY_RELEASE} ]] || { echo "cuda-runtime: NVIDIA's keyring is pinned for ${CUDA_REPOSITORY_NAME}, this is \${PRETTY_NAME:-an unknown release}" >&2; exit 1; }`,
        `case "$(dpkg --print-architecture)" in amd64) repo_arch=x86_64 keyring_sha256=${CUDA_KEYRING.sha256.amd64} ;; arm64) repo_arch=sbsa keyring_sha256=${CUDA_KEYRING.sha256.arm64} ;; *) echo "cuda-runtime: no NVIDIA repository for $(dpkg --print-architecture)" >&2; exit 1 ;; esac`,
        `[[ "\${keyring_sha256}" =~ ^[0-9a-f]{64}$ ]] || { echo "cuda-runtime: the SHA-256 of cuda-keyring_${CUDA_KEYRING.version}_all.deb for \${repo_arch} is '\${keyring_sha256}', not a SHA-256. Set CUDA_KEYRING.sha256 in packages/images/base-image/image.ts from NVIDIA's ${CUDA_REPOSITORY_NAME}/\${repo_arch} repository." >&2; exit 1; }`,
        `curl -fsSL --proto =https --proto-redir =https -o /tmp/cuda-keyring.deb "${CUDA_REPOSITORY_URL}/\${repo_arch}/cuda-keyring_${CUDA_KEYRING.version}_all.deb"`,
        'echo "${keyring_sha256}  /tmp/cuda-keyring.deb" | sha256sum --check --strict -',
        'dpkg -i /tmp/cuda-keyring.deb',
        'rm -f /tmp/cuda-keyring.deb',
        'packages=()',
        'for line in "${cuda_lines[@]}"; do',
        `  [[ "\${line}" =~ ^([0-9]+)[-.]([0-9]+)$ ]] || { echo "cuda-runtime: '\${line}' in ${CUDA_RUNTIME_ARG} is not a CUDA line X-Y (e.g. 12-9)" >&2; exit 1; }`,
        '  xy="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}"',
        `  for package in ${CUDA_RUNTIME_PACKAGES.join(' ')}; do packages+=("\${package}-\${xy}"); done`,
        'done',
        '# libnccl2 built for the lowest line (sort -V), as upstream picks it.',
        'lowest="$(printf \'%s\\n\' "${cuda_lines[@]//-/.}" | sort -V | head -n 1)"',
        'apt-get update',
        'apt-get install -y --no-install-recommends "${packages[@]}" "libnccl2=*+cuda${lowest}"',
        'rm -rf /var/lib/apt/lists/*',
        'dpkg-query -W "${packages[@]}" libnccl2',
      ].join('\n'),
    },
  ],
  services: [
    {
      name: 'caddy',
      // portal-config (instance-tools) takes boot stage 65's render on the first start and renders again on a restart.
      command: 'portal-config\ncaddy run --config /etc/Caddyfile --adapter caddyfile',
      waitForProvisioning: false,
      pty: false,
    },
    {
      // The auth gate every Caddy site asks (forward_auth). Its own program, with no portal label, so it runs whatever
      // PORTAL_CONFIG lists and does not stop with the portal page.
      name: 'portal_auth',
      command: 'node /opt/portal/portal-auth.cjs',
      waitForProvisioning: false,
      pty: false,
    },
    {
      name: 'instance_portal',
      portalLabel: 'Instance Portal',
      portal: [{ label: 'Instance Portal', externalPort: 1111, internalPort: 11111 }],
      command: 'node /opt/portal/portal.cjs',
      waitForProvisioning: false,
      pty: false,
    },
    {
      name: 'jupyter',
      portalLabel: 'Jupyter',
      portal: [{ label: 'Jupyter', externalPort: 8080, internalPort: 18080 }],
      command: 'jupyter-launch',
      waitForProvisioning: false,
    },
    { name: 'cron', command: 'cron -f', waitForProvisioning: false, skipOnServerless: false, startsecs: 0, pty: false },
    {
      // Upstream's syncthing program: as `user`, only while PORTAL_CONFIG lists Syncthing (this image's default does not).
      name: 'syncthing',
      portalLabel: 'syncthing',
      portal: [{ label: 'Syncthing', externalPort: 8384, internalPort: SYNCTHING_GUI_PORT, optIn: true }],
      user: 'user',
      environment: { USER: 'user', HOME: '/home/user', STCONFDIR: SYNCTHING_CONFIG_DIR, STDATADIR: SYNCTHING_DATA_DIR },
      waitForProvisioning: false,
      pty: false,
      command: 'syncthing-launch',
    },
    {
      // Upstream's tensorboard program. TensorBoard comes from PyPI only (python-tools step), which the local profile
      // cannot reach and Debian bookworm does not package: the local build has no such program.
      name: 'tensorboard',
      profile: 'production',
      portalLabel: 'tensorboard',
      portal: [{ label: 'Tensorboard', externalPort: 6006, internalPort: 16006, optIn: true }],
      waitForProvisioning: false,
      command: 'tensorboard --port 16006 --logdir "${TENSORBOARD_LOG_DIR:-$WORKSPACE}"',
    },
  ],
  links: [{ label: 'Jupyter Terminal', externalPort: 8080, internalPort: 8080, path: '/terminals/1' }],
  defaultPortalConfig: true,
  capabilities: {
    image: { note: 'Vast.ai base image: supervisor, Caddy with auth, the Instance Portal, Jupyter and /venv/main.' },
    tools: [
      { name: 'git', description: 'version control' },
      { name: 'curl', description: 'HTTP client' },
      { name: 'rsync', description: 'file sync' },
      { name: 'jq', description: 'JSON on the command line' },
      { name: 'jupyter', path: `${INSTANCE_TOOLS_BIN}/jupyter`, description: "Jupyter, with upstream's defaults for notebook and lab" },
      { name: 'supervisorctl', description: 'start, stop and inspect the services' },
      { name: 'vast-capabilities', path: `${INSTANCE_TOOLS_BIN}/vast-capabilities`, description: "this instance's live state as JSON" },
    ],
    pythonEnvironments: [
      {
        name: 'main',
        path: '/venv/main',
        activate: 'source /venv/main/bin/activate',
        description: 'the environment for everything you install; Jupyter\'s "main" kernel',
        packagesOfInterest: ['ipykernel'],
      },
    ],
  },
  // Upstream's production matrix (configs/base-image.json): its 12 FROM images x Python 3.10-3.14, then its two minis
  // (cuda-12.9-mini, cuda-13.2-mini: ubuntu:24.04 plus the cuda-runtime step) x Python 3.10-3.14, amd64 and arm64,
  // under upstream's names (lint VL006). The local variant builds offline from Debian.
  variants: [
    ...upstreamBaseVariants(),
    { key: 'local', from: 'vast-local/bookworm:latest', python: '3.11', local: true, platforms: ['linux/amd64', 'linux/arm64'] },
    // The local base with BOOT_PACKAGES only, built when named: e2e/multi-arch builds it for amd64 and arm64 (under
    // emulation), merges both and boots the arm64 one through the smoke.
    {
      key: 'local-min',
      from: 'vast-local/bookworm:latest',
      python: '3.11',
      local: true,
      onDemand: true,
      platforms: ['linux/amd64', 'linux/arm64'],
      args: { APT_PACKAGE_SET: 'boot' },
    },
  ],
});
