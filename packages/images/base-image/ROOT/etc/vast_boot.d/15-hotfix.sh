#!/bin/bash
# Boot stage 15 (sourced by boot_default.sh): runs HOTFIX_SCRIPT (https URL or path) early in boot, if set.
#
# A hotfix repairs a published image without rebuilding it. Its failure is logged and boot goes on.
stage_hotfix() {
    [[ -n "${HOTFIX_SCRIPT:-}" ]] || return 0
    local script=/tmp/hotfix.sh log=/var/log/hotfix.log
    # fetch-script reads HOTFIX_SCRIPT (and HOTFIX_SCRIPT_SHA256) itself and logs the URL without its query string.
    if ! fetch-script HOTFIX_SCRIPT "$script" 2>&1 | tee -a "$log"; then
        echo "[hotfix] could not fetch HOTFIX_SCRIPT (see above)" | tee -a "$log"
        return 1
    fi
    echo "[hotfix] running HOTFIX_SCRIPT as ${script}" | tee -a "$log"
    bash "$script" 2>&1 | tee -a "$log"
}

stage_hotfix
