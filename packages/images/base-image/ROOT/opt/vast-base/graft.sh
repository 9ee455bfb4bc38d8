#!/bin/bash
# graft.sh: run during an external image's build (as root, inside the upstream Debian/Ubuntu image) to add the Vast runtime.
#
# The external Dockerfile copies /opt/vast-base from the base image first; this script installs the
# packages the runtime needs (only what is missing), lays the base overlay (/opt/vast-base/ROOT)
# over /, and creates `user` and /venv/main when the upstream image has none. Debian packages only,
# so it works wherever the upstream's own apt sources do.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

readonly overlay=/opt/vast-base/ROOT

say() { echo "graft: $*"; }
die() { echo "graft: $*" >&2; exit 1; }

[[ -d "$overlay" ]] || die "${overlay} is missing; the Dockerfile must COPY --from=<base image stage> /opt/vast-base /opt/vast-base first"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found; grafting supports Debian and Ubuntu upstream images only"

# Package -> a command it provides; a package is installed only when its command is absent, so an
# upstream's own (often newer) python, node or caddy is kept.
declare -A wanted=(
    [ca-certificates]=update-ca-certificates
    [curl]=curl
    [sudo]=sudo
    [openssl]=openssl
    [procps]=pgrep
    [psmisc]=killall
    [util-linux]=flock
    [expect]=unbuffer
    [cron]=cron
    [git]=git
    [jq]=jq
    [dos2unix]=dos2unix
    [supervisor]=supervisord
    [caddy]=caddy
    [nodejs]=node
    [python3]=python3
    [jupyter-notebook]=jupyter
)
missing=()
for package in "${!wanted[@]}"; do
    command -v "${wanted[$package]}" >/dev/null 2>&1 || missing+=("$package")
done
# venv support is a module, not a command: probe it directly.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if ((${#missing[@]} > 0)); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | LC_ALL=C sort)
    say "installing ${missing[*]}"
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
    rm -rf /var/lib/apt/lists/*
fi

# After the packages, so the overlay's supervisord.conf replaces the one the package ships.
say "copying ${overlay} to /"
cp -a "${overlay}/." /

if ! id -u user >/dev/null 2>&1; then
    if getent passwd 1001 >/dev/null; then
        die "uid 1001 is taken by $(getent passwd 1001 | cut -d: -f1); the runtime expects 'user' to be 1001:0"
    fi
    say "creating user (1001:0) with passwordless sudo"
    useradd -ms /bin/bash -u 1001 -g 0 user
fi
echo 'user ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/user
chmod 0440 /etc/sudoers.d/user

mkdir -p /run/user/1001 /opt/workspace-internal /var/log/portal /var/log/supervisor
chown 1001:0 /run/user/1001
chmod 700 /run/user/1001

if [[ ! -x /venv/main/bin/python ]]; then
    # Over the system Python with its site-packages, so what the upstream image installed stays importable.
    say "creating /venv/main"
    python3 -m venv --system-site-packages /venv/main
fi

# Upstream's paths, as base-image's upstream-layout step makes them (smoke checks portal-aio and instance-tools).
ln -sfn /opt/portal /opt/portal-aio
ln -sfn "$(command -v caddy)" /opt/instance-tools/bin/caddy

# Smoke checks of what the runtime starts.
supervisord --version >/dev/null
caddy version >/dev/null
node --version >/dev/null
/venv/main/bin/python --version
say "done"
