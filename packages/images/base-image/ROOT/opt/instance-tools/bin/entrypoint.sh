#!/bin/bash
# Container entrypoint: fetches BOOT_SCRIPT (https URL or local path) once, then execs the boot runner as PID 1.
set -euo pipefail

readonly custom=/opt/instance-tools/bin/boot_custom.sh
readonly default=/opt/instance-tools/bin/boot_default.sh

if [[ -n "${BOOT_SCRIPT:-}" && ! -e "$custom" ]]; then
    # A broken BOOT_SCRIPT must not leave an instance that never boots: say why and use the default.
    # fetch-script reads BOOT_SCRIPT (and BOOT_SCRIPT_SHA256) itself and logs the URL without its query string.
    if ! /opt/instance-tools/bin/fetch-script BOOT_SCRIPT "$custom"; then
        echo "entrypoint: could not fetch BOOT_SCRIPT (see above); booting with ${default} instead" >&2
    fi
fi

if [[ -x "$custom" ]]; then
    exec "$custom" "$@"
fi
exec "$default" "$@"
