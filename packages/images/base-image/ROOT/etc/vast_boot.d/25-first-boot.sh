#!/bin/bash
# Boot stage 25 (sourced by boot_default.sh): runs /etc/vast_boot.d/first_boot/*.sh on a container's first boot only.
#
# The marker /.first_boot_complete lives in the container layer: a restart skips this stage, a
# new container from the same image runs it again.
stage_first_boot() {
    [[ -e /.first_boot_complete ]] && return 0
    local script
    for script in /etc/vast_boot.d/first_boot/*.sh; do
        [[ -f "$script" ]] || continue
        echo "[first-boot] ${script}"
        # shellcheck source=/dev/null
        . "$script" || echo "[first-boot] ${script} failed (exit $?); continuing" >&2
    done
    touch /.first_boot_complete
}

stage_first_boot
