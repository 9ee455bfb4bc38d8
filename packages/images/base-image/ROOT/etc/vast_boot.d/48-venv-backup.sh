#!/bin/bash
# Boot stage 48 (sourced by boot_default.sh): starts venv-backup.sh in the background, so it cannot change the boot shell.
#
# Upstream runs the backup in line, and `pip freeze` is most of a second that every service would wait for. Nothing
# before provisioning reads the backup, so it runs beside the stages that follow, at low priority so the services
# starting meanwhile come first; stage 75 waits for it (venv_backup_pid) before provisioning changes any venv, so the
# backup still records the venvs as the boot found them.
stage_venv_backup() {
    (nice -n 10 /opt/instance-tools/bin/venv-backup.sh || echo "[venv-backup] failed (exit $?); see ${WORKSPACE:-/workspace}/.venv-backups" >&2) &
    # shellcheck disable=SC2034  # read by stage 75
    venv_backup_pid=$!
}

stage_venv_backup
