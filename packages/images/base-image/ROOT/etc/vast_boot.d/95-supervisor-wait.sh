#!/bin/bash
# Boot stage 95 (sourced by boot_default.sh): ends provisioning (removes /.provisioning) and waits on supervisord.
#
# This is the last stage: the container lives as long as supervisord does.
stage_supervisor_wait() {
    rm -f /.provisioning
    if [[ -z "${supervisord_pid:-}" ]]; then
        echo "[supervisor] supervisord was never started (see stage 65); nothing to wait for" >&2
        return 1
    fi
    local status=0
    # A signal trapped by stage 65 interrupts `wait` while supervisord is still stopping: wait again.
    while kill -0 "$supervisord_pid" 2>/dev/null; do
        wait "$supervisord_pid" || status=$?
    done
    if [[ "${supervisord_stopping:-false}" == true ]]; then
        echo "[supervisor] container stop: supervisord has stopped every service"
        return 0
    fi
    echo "[supervisor] supervisord exited on its own (status ${status})"
    return "$status"
}

stage_supervisor_wait
