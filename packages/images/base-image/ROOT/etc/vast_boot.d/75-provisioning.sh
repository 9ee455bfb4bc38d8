#!/bin/bash
# Boot stage 75 (sourced by boot_default.sh): runs the provisioner once on PROVISIONING_MANIFEST (or /provisioning.yaml) and PROVISIONING_SCRIPT, recording the outcome.
#
# The source is PROVISIONING_MANIFEST (a path or an https URL), else /provisioning.yaml when the image ships one;
# PROVISIONING_SCRIPT runs as the provisioner's last phase (fetch-script: https only, PROVISIONING_SCRIPT_SHA256).
# Success leaves /.provisioning_complete (later boots skip provisioning); failure leaves /.provisioning_failed and
# the reason in /var/log/portal/provisioning.log. Either way boot goes on, so the instance stays reachable to debug it.
provisioning_log() {
    echo "[provisioning] $*" | tee -a "${PROVISIONING_LOG:-/var/log/portal/provisioning.log}"
}

stage_provisioning() {
    local source="" shown status=0
    if [[ -n "${PROVISIONING_MANIFEST:-}" ]]; then
        source=$PROVISIONING_MANIFEST
    elif [[ -f /provisioning.yaml ]]; then
        source=/provisioning.yaml
    fi
    [[ -n "$source" || -n "${PROVISIONING_SCRIPT:-}" ]] || return 0
    if [[ -e /.provisioning_complete ]]; then
        echo "[provisioning] already complete (/.provisioning_complete); not provisioning again"
        return 0
    fi
    mkdir -p "$(dirname "${PROVISIONING_LOG:-/var/log/portal/provisioning.log}")"
    rm -f /.provisioning_failed
    # The boot's background work (48's venv backup, 55's pair with HTTPS off) ends before anything is installed.
    boot_background_wait

    # A URL is shown without its query string or fragment, which often carry a token.
    shown=${source%%[?#]*}
    [[ "$shown" == "$source" ]] || shown="${shown}?<redacted>"
    echo "*****"
    echo "* Provisioning this instance: manifest ${shown:-(none)}${PROVISIONING_SCRIPT:+, then PROVISIONING_SCRIPT}."
    echo "* Services that wait for provisioning start when it has finished; progress in /var/log/portal/provisioning.log."
    echo "*****"

    if [[ -n "$source" ]]; then
        provisioner "$source" || status=$?
    else
        provisioner || status=$?
    fi
    if ((status != 0)); then
        touch /.provisioning_failed
        provisioning_log "FAILED: the provisioner exited with status ${status} (the reason is above). Note: Provisioning encountered issues but instance startup will continue"
        return 1
    fi
    touch /.provisioning_complete
    rm -f /.provisioning_failed
    provisioning_log "Provisioning complete!"
}

stage_provisioning
