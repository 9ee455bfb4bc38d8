#!/bin/bash
# graft.sh: run during an external image's build (as root, in the upstream image, after graft-packages.sh) to add the Vast runtime.
#
# The external Dockerfile runs graft-packages.sh (the base's apt packages) as its own layer first, then copies
# /opt/vast-base from the base image and runs this: the base overlay (/opt/vast-base/ROOT) laid over /, then the same
# scripts the base's own build steps run (user and folders, /venv/main, upstream's paths), so each rule is written once.
set -euo pipefail

readonly vast_base=/opt/vast-base
readonly overlay=${vast_base}/ROOT

say() { echo "graft: $*"; }
die() {
    echo "graft: $*" >&2
    exit 1
}

[[ -d "$overlay" ]] || die "${overlay} is missing; the Dockerfile must COPY --from=<base image stage> ${vast_base} ${vast_base} first"
command -v supervisord >/dev/null 2>&1 ||
    die "supervisord is missing; run ${vast_base}/graft-packages.sh before this script (the rendered external Dockerfile does, right after FROM)"

# After the packages, so the overlay's supervisord.conf replaces the one the package ships.
say "copying ${overlay} to /"
cp -a "${overlay}/." /

"${vast_base}/create-user.sh"
"${vast_base}/main-venv.sh"
"${vast_base}/upstream-layout.sh"

# As upstream's converter does: no tensorboard program in a grafted image whose upstream brings no tensorboard.
if ! command -v tensorboard >/dev/null 2>&1; then
    say "no tensorboard in this image: removing the tensorboard program"
    rm -f /etc/supervisor/conf.d/tensorboard.conf /opt/supervisor-scripts/tensorboard.sh
fi

# Smoke checks of what the runtime starts.
supervisord --version >/dev/null
caddy version >/dev/null
node --version >/dev/null
say "done"
