#!/bin/bash
# Supervisor util (sourced first by every launch script): sends the script's output to its portal log and stdout.
#
# Usage: . logging.sh [LOGFILE]   (default /var/log/portal/${PROC_NAME}.log). The previous run's log
# is kept as LOGFILE.old, so a restart does not erase why the last run stopped.
# shellcheck source=/dev/null
. /opt/supervisor-scripts/utils/pty.sh

vast_service_log=${1:-/var/log/portal/${PROC_NAME:-service}.log}
mkdir -p "$(dirname "$vast_service_log")"
if [[ -s "$vast_service_log" ]]; then
    mv -f "$vast_service_log" "${vast_service_log}.old"
fi
exec > >(tee -a "$vast_service_log")
# cleanup_generic.sh spares this pid, so the last lines still reach the log when the service stops.
# shellcheck disable=SC2034  # read by cleanup_generic.sh
VAST_LOG_TEE_PID=$!
exec 2>&1
