#!/bin/bash
# graft-packages.sh: run first in an external image's build (as root, in the upstream image) to install the base's apt packages it lacks.
#
# The external Dockerfile copies only this script and the base's list next to it, right after FROM, and runs it as its
# own layer: that layer then depends on the upstream image and the list alone, so every graft of one upstream image
# (a rebuilt base, another external image, the next test run) reuses it. graft.sh does the rest.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

say() { echo "graft-packages: $*"; }
die() {
    echo "graft-packages: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || die "apt-get not found; grafting supports Debian and Ubuntu upstream images only"

# The base image's own apt list (rendered from base-image/image.ts by its install step), so an external image gets
# the packages the base has, and the graft keeps no list of its own. A line is `package [command]`: with a command, the
# package is installed only when the command is missing, so an upstream's own (often newer) python, node or caddy
# is kept. Names the upstream's apt sources do not have (a Debian upstream under an Ubuntu base) are skipped, named.
readonly apt_list=/opt/vast-base/apt-packages.txt
[[ -r "$apt_list" ]] || die "${apt_list} is missing; it comes from the base image's install step (rebuild the base image)"

apt-get update
# One dpkg-query and one apt-cache call for the whole list: per package, they took minutes on a loaded machine.
declare -A installed=() candidate=()
while read -r package status; do
    [[ "$status" == 'install ok installed' ]] && installed[$package]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' 2>/dev/null)
wanted=()
while read -r package command _; do
    [[ -n "$package" && -z "${installed[$package]:-}" ]] || continue
    if [[ -n "${command:-}" ]] && command -v "$command" >/dev/null 2>&1; then continue; fi
    wanted+=("$package")
done <"$apt_list"
if ((${#wanted[@]} > 0)); then
    while read -r package version; do
        candidate[$package]=$version
    done < <(apt-cache policy "${wanted[@]}" 2>/dev/null | awk '/^[^ ]/ { sub(/:$/, "", $1); package = $1 } /^  Candidate:/ { print package, $2 }')
fi
missing=()
unavailable=()
for package in "${wanted[@]}"; do
    if [[ "${candidate[$package]:-(none)}" == '(none)' ]]; then
        unavailable+=("$package")
    else
        missing+=("$package")
    fi
done
# venv support is a module, not a command: probe it directly.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
((${#unavailable[@]} == 0)) || say "not in this image's apt sources, skipped: ${unavailable[*]}"

if ((${#missing[@]} > 0)); then
    say "installing ${#missing[@]} packages: ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
rm -rf /var/lib/apt/lists/*

# What the runtime starts must be there now.
supervisord --version >/dev/null
caddy version >/dev/null
node --version >/dev/null
say "done"
