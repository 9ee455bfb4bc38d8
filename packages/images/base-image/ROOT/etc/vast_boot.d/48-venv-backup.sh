#!/bin/bash
# Boot stage 48 (sourced by boot_default.sh): starts venv-backup.sh in the background, so it cannot change the boot shell.
#
# Upstream runs the backup in line, and `pip freeze` is most of a second that every service would wait for. Nothing
# before provisioning reads it: boot_background (boot_default.sh) runs it beside the stages that follow, and stage 75
# waits for it, so the backup still records the venvs as the boot found them.
stage_venv_backup() {
    /opt/instance-tools/bin/venv-backup.sh || echo "[venv-backup] failed (exit $?); see ${WORKSPACE:-/workspace}/.venv-backups" >&2
}

boot_background stage_venv_backup
