#!/bin/bash
# upstream-layout.sh: makes upstream's paths for what this runtime keeps elsewhere (the portal at /opt/portal-aio, caddy among the instance tools); run at build time by base-image's upstream-layout step and by graft.sh.
set -euo pipefail

mkdir -p /opt/instance-tools/bin
# The portal's files come later in the build (a dangling link until then).
ln -sfn /opt/portal /opt/portal-aio
ln -sfn "$(command -v caddy)" /opt/instance-tools/bin/caddy
readlink /opt/portal-aio && /opt/instance-tools/bin/caddy version
