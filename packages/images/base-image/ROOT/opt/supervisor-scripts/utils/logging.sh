#!/bin/bash
# Supervisor util (sourced first by every launch script): sends the script's output to its portal log and stdout.
#
# Usage: . logging.sh [LOGFILE]   (default /var/log/portal/${PROC_NAME}.log). log-tee writes the raw output to
# LOGFILE (what the portal shows), and the same output without escape sequences to stdout and, for the default
# path, to /var/log/${PROC_NAME}.log. The previous run's logs are kept as .old, so a restart does not erase why the
# last run stopped. Without log-tee (an image that lost it) plain `tee -a` keeps the portal log going.
# shellcheck source=/dev/null
. /opt/supervisor-scripts/utils/pty.sh

vast_service_log=${1:-/var/log/portal/${PROC_NAME:-service}.log}
mkdir -p "$(dirname "$vast_service_log")"
vast_old_logs=("$vast_service_log")
# As upstream: the clean twin is rotated with the default path only.
[[ -n "${1:-}" ]] || vast_old_logs+=("/var/log/${PROC_NAME:-service}.log")
for vast_log in "${vast_old_logs[@]}"; do
    if [[ -s "$vast_log" ]]; then
        mv -f "$vast_log" "${vast_log}.old" 2>/dev/null || true
    fi
done
unset vast_log vast_old_logs
if command -v log-tee >/dev/null 2>&1; then
    exec > >(log-tee "$vast_service_log")
else
    exec > >(tee -a "$vast_service_log")
fi
# cleanup_generic.sh spares this pid, so the last lines still reach the log when the service stops.
# shellcheck disable=SC2034  # read by cleanup_generic.sh
VAST_LOG_TEE_PID=$!
exec 2>&1
