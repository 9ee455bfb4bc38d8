#!/bin/bash
# Boot stage 75 (sourced by boot_default.sh): runs PROVISIONING_SCRIPT (https URL or path) once, recording the outcome.
#
# Success leaves /.provisioning_complete (later boots skip provisioning); failure leaves
# /.provisioning_failed and the reason in /var/log/portal/provisioning.log. Either way boot goes on,
# so the instance stays reachable to debug it.
provisioning_log() {
    echo "[provisioning] $*" | tee -a "${PROVISIONING_LOG:-/var/log/portal/provisioning.log}"
}

stage_provisioning() {
    [[ -n "${PROVISIONING_SCRIPT:-}" ]] || return 0
    local log=${PROVISIONING_LOG:-/var/log/portal/provisioning.log} script=/provisioning.sh status=0
    if [[ -e /.provisioning_complete ]]; then
        echo "[provisioning] already complete (/.provisioning_complete); not running PROVISIONING_SCRIPT again"
        return 0
    fi
    mkdir -p "$(dirname "$log")"
    rm -f /.provisioning_failed

    # fetch-script reads PROVISIONING_SCRIPT (and PROVISIONING_SCRIPT_SHA256) itself and logs the URL without its
    # query string; nothing here prints the variable, which may carry a token.
    fetch-script PROVISIONING_SCRIPT "$script" 2>&1 | tee -a "$log" || status=$?
    if ((status != 0)); then
        touch /.provisioning_failed
        provisioning_log "FAILED: could not fetch PROVISIONING_SCRIPT (fetch-script exit ${status}, see above)"
        return 1
    fi

    provisioning_log "running ${script}"
    (cd "${WORKSPACE:-/}" && bash "$script") 2>&1 | tee -a "$log" || status=$?
    if ((status != 0)); then
        touch /.provisioning_failed
        provisioning_log "FAILED: ${script} (from PROVISIONING_SCRIPT) exited with status ${status}; the instance keeps running without it"
        return 1
    fi
    touch /.provisioning_complete
    provisioning_log "complete"
}

stage_provisioning
