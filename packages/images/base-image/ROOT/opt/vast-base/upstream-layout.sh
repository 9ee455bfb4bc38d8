#!/bin/bash
# upstream-layout.sh: makes upstream's paths for what this runtime keeps elsewhere (the portal at /opt/portal-aio, caddy among the instance tools, Syncthing at /opt/syncthing); run at build time by base-image's upstream-layout step and by graft.sh.
set -euo pipefail

mkdir -p /opt/instance-tools/bin
# The portal's files come later in the build (a dangling link until then).
ln -sfn /opt/portal /opt/portal-aio
ln -sfn "$(command -v caddy)" /opt/instance-tools/bin/caddy
# Syncthing's folders as upstream has them, owned by `user`, who runs it. The production base puts the release binary
# at /opt/syncthing/syncthing; a Debian or Ubuntu package (the local profile, grafts) gets that path as a link.
mkdir -p /opt/syncthing/config /opt/syncthing/data
if [[ ! -e /opt/syncthing/syncthing ]] && command -v syncthing >/dev/null; then
    ln -sfn "$(command -v syncthing)" /opt/syncthing/syncthing
fi
chown user:root /opt/syncthing /opt/syncthing/config /opt/syncthing/data
readlink /opt/portal-aio && /opt/instance-tools/bin/caddy version
if [[ -e /opt/syncthing/syncthing ]]; then /opt/syncthing/syncthing --version; else echo "upstream-layout: no syncthing in this image"; fi
