#!/bin/bash
# Boot stage 65 (sourced by boot_default.sh): starts supervisord in the background with /.provisioning in place, and renders the portal config beside it.
#
# /.provisioning tells services that wait for provisioning to hold off; 95 removes it once the
# provisioning stage is done. supervisord_pid is read by 95, which waits on it for the container's life.
# The portal config (portal.yaml, the Caddyfile) is rendered by `portal-config --boot` while supervisord starts: see
# that script for how caddy's launch script and the services wait for it.

# supervisord spawns its autostart programs only after its first poll, which waits up to 1 s for an event: a request on
# its socket is one. getPID is answered at once (its status page waits a whole poll). Bounded: a supervisord that never
# listens is reported by 95.
supervisor_wake() {
    local i request='<?xml version="1.0"?><methodCall><methodName>supervisor.getPID</methodName></methodCall>'
    for ((i = 0; i < 40; i++)); do
        curl -fs --max-time 2 --unix-socket /var/run/supervisor.sock -H 'Content-Type: text/xml' --data "$request" \
            -o /dev/null http://localhost/RPC2 && return 0
        kill -0 "$supervisord_pid" 2>/dev/null || return 0
        sleep 0.05
    done
}

stage_supervisor_launch() {
    touch /.provisioning
    mkdir -p /var/log/supervisor
    portal-config --boot &
    local render_pid=$!
    supervisord -n -c /etc/supervisor/supervisord.conf &
    supervisord_pid=$!
    # docker stop signals PID 1, this shell, which would ignore TERM: hand it to supervisord so
    # services stop cleanly before the engine's kill timeout.
    trap 'supervisord_stopping=true; kill -TERM "$supervisord_pid" 2>/dev/null' TERM INT
    echo "[supervisor] supervisord started (pid ${supervisord_pid})"
    wait "$render_pid" || echo "[portal-config] rendering at boot failed (above); caddy's launch script renders again" >&2
    # Woken once the config is there, so the programs it spawns find it.
    supervisor_wake
}

stage_supervisor_launch
