#!/bin/bash
# Boot stage 20 (sourced by boot_default.sh): runs HOTFIX_SCRIPT (URL or path) early in boot, if set.
#
# A hotfix repairs a published image without rebuilding it. Its failure is logged and boot goes on.
stage_hotfix() {
    [[ -n "${HOTFIX_SCRIPT:-}" ]] || return 0
    local script=/tmp/hotfix.sh log=/var/log/hotfix.log
    if ! fetch-script "$HOTFIX_SCRIPT" "$script" 2>&1 | tee -a "$log"; then
        echo "[hotfix] could not fetch HOTFIX_SCRIPT '${HOTFIX_SCRIPT}'" | tee -a "$log"
        return 1
    fi
    echo "[hotfix] running ${HOTFIX_SCRIPT}" | tee -a "$log"
    bash "$script" 2>&1 | tee -a "$log"
}

stage_hotfix
