#!/bin/bash
# Prepares a fresh Debian machine for this repo (as root): system packages, npm dependencies, a running dockerd.
# Idempotent: run it before `npm run stack` or `npm test`; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# What the builds and tests use: the Docker engine, debootstrap for the local Debian root, shellcheck for lint,
# Caddy, supervisor and openssl for the portal tests, Debian's registry for the push test, Chromium for the portal browser test,
# unzip to read the portal's log archive independently of the code that writes it, python3 to run base-image's log-tee
# for real, qemu-user-static and binfmt-support to build and boot the arm64 images of e2e/multi-arch on an amd64
# machine (and the reverse).
PACKAGES=(docker.io debootstrap shellcheck caddy supervisor openssl docker-registry chromium git ca-certificates curl iptables unzip python3 qemu-user-static binfmt-support)
missing=()
# A machine that already has a Docker engine from elsewhere (GitHub's runners: Docker's own packages) keeps it:
# docker.io would conflict with them.
if command -v dockerd >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q "install ok installed"; then
  PACKAGES=("${PACKAGES[@]/docker.io/}")
fi
for pkg in "${PACKAGES[@]}"; do
  [[ -n "$pkg" ]] || continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The Debian packages of caddy and docker-registry would start services under systemd; nothing here runs one.
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Foreign-architecture programs run through qemu once binfmt_misc is mounted and qemu's entries are enabled (a fresh
# container or CI machine may have neither); update-binfmts --enable is a no-op for entries already enabled.
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
  log "mount binfmt_misc"
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
foreign=aarch64
[[ "$(uname -m)" == aarch64 ]] && foreign=x86_64
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$foreign ]]; then
  log "update-binfmts --enable (qemu-user-static)"
  update-binfmts --enable
fi
entry=/proc/sys/fs/binfmt_misc/qemu-$foreign
[[ -e "$entry" ]] || {
  echo "no $foreign emulation: $entry is missing after update-binfmts --enable (is qemu-user-static installed?)" >&2
  exit 1
}
# Debian registers qemu without the C flag ("credentials no"), so a setuid program in a foreign-architecture container
# (sudo) runs with the caller's credentials and fails "effective uid is not 0". Re-register the same entry with C
# (which implies O); the kernel then lists the flags as POCF.
if ! grep -q '^flags: .*C' "$entry"; then
  log "qemu-$foreign: register with the credentials flag (C), for setuid programs such as sudo"
  interpreter=$(sed -n 's/^interpreter //p' "$entry")
  hex_escape() { sed 's/../\\x&/g'; }
  magic=$(sed -n 's/^magic //p' "$entry" | hex_escape)
  mask=$(sed -n 's/^mask //p' "$entry" | hex_escape)
  offset=$(sed -n 's/^offset //p' "$entry")
  echo -1 >"$entry"
  printf ':qemu-%s:M:%s:%s:%s:%s:PFC' "$foreign" "$offset" "$magic" "$mask" "$interpreter" >/proc/sys/fs/binfmt_misc/register
  grep -q '^flags: .*C' "$entry" || { echo "qemu-$foreign: the C flag did not take ($(grep '^flags' "$entry"))" >&2; exit 1; }
fi

if [[ ! -x node_modules/.bin/nx ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi

if ! docker version >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  (dockerd >/var/log/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
  docker version >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
log "ready: node $(node --version), $(docker version --format 'docker engine {{.Server.Version}}')"
