#!/bin/bash
# First-boot script (sourced by stage 25 as /etc/vast_boot.d/first_boot/05-update-vast.sh, which the production vast-cli step installs): pulls the vast-cli checkout up to date unless --no-update-vast or SERVERLESS.
#
# Sourced into the boot shell, so it returns and never exits; a failed pull (offline, a moved branch)
# keeps the CLI the image was built with, as upstream's silenced pull does, and says so.
update_vast_cli_checkout() {
    local dir=/opt/vast-cli
    if [[ "${update_vast_cli:-true}" != true ]]; then
        echo "[first-boot] vast-cli: not updated (--no-update-vast or SERVERLESS)"
        return 0
    fi
    if [[ ! -d "${dir}/.git" ]]; then
        echo "[first-boot] vast-cli: no checkout at ${dir}; nothing to update"
        return 0
    fi
    if timeout 60 git -C "$dir" pull --quiet --ff-only >/dev/null 2>&1; then
        echo "[first-boot] vast-cli: updated to $(git -C "$dir" log -1 --format='%h %cs')"
    else
        echo "[first-boot] vast-cli: update failed; keeping $(git -C "$dir" log -1 --format='%h %cs')" >&2
    fi
    return 0
}

update_vast_cli_checkout
