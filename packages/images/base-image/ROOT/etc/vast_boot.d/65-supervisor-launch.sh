#!/bin/bash
# Boot stage 65 (sourced by boot_default.sh): starts supervisord in the background with /.provisioning in place.
#
# /.provisioning tells services that wait for provisioning to hold off; 95 removes it once the
# provisioning stage is done. supervisord_pid is read by 95, which waits on it for the container's life.
stage_supervisor_launch() {
    touch /.provisioning
    mkdir -p /var/log/supervisor
    supervisord -n -c /etc/supervisor/supervisord.conf &
    supervisord_pid=$!
    # docker stop signals PID 1, this shell, which would ignore TERM: hand it to supervisord so
    # services stop cleanly before the engine's kill timeout.
    trap 'supervisord_stopping=true; kill -TERM "$supervisord_pid" 2>/dev/null' TERM INT
    echo "[supervisor] supervisord started (pid ${supervisord_pid})"
}

stage_supervisor_launch
