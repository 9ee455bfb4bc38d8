#!/bin/bash
# graft.sh: run during an external image's build (as root, inside the upstream Debian/Ubuntu image) to add the Vast runtime.
#
# The external Dockerfile copies /opt/vast-base from the base image first; this script installs the
# base image's apt packages (only what is missing), lays the base overlay (/opt/vast-base/ROOT)
# over /, and creates `user` and /venv/main when the upstream image has none. Debian packages only,
# so it works wherever the upstream's own apt sources do.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

readonly overlay=/opt/vast-base/ROOT

say() { echo "graft: $*"; }
die() { echo "graft: $*" >&2; exit 1; }

[[ -d "$overlay" ]] || die "${overlay} is missing; the Dockerfile must COPY --from=<base image stage> /opt/vast-base /opt/vast-base first"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found; grafting supports Debian and Ubuntu upstream images only"

# The base image's own apt list (rendered from base-image/image.ts by its install step), so an external image gets
# the packages the base has, and graft keeps no list of its own. A line is `package [command]`: with a command, the
# package is installed only when the command is missing, so an upstream's own (often newer) python, node or caddy
# is kept. Names the upstream's apt sources do not have (a Debian upstream under an Ubuntu base) are skipped, named.
readonly apt_list=/opt/vast-base/apt-packages.txt
[[ -r "$apt_list" ]] || die "${apt_list} is missing; it comes from the base image's install step (rebuild the base image)"

apt-get update
missing=()
unavailable=()
while read -r package command _; do
    [[ -n "$package" ]] || continue
    if [[ -n "${command:-}" ]] && command -v "$command" >/dev/null 2>&1; then continue; fi
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' && continue
    if [[ "$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ {print $2}')" =~ ^(|\(none\))$ ]]; then
        unavailable+=("$package")
    else
        missing+=("$package")
    fi
done <"$apt_list"
# venv support is a module, not a command: probe it directly.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
((${#unavailable[@]} == 0)) || say "not in this image's apt sources, skipped: ${unavailable[*]}"

if ((${#missing[@]} > 0)); then
    say "installing ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
rm -rf /var/lib/apt/lists/*

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

# The base's ENV carries TCLLIBPATH=/usr/lib/tcltk/default (expect's unbuffer reads it); the base's user step makes
# this link there, the graft here.
if [[ -d "/usr/lib/tcltk/$(uname -m)-linux-gnu" ]]; then
    ln -sfn "/usr/lib/tcltk/$(uname -m)-linux-gnu" /usr/lib/tcltk/default
fi

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
