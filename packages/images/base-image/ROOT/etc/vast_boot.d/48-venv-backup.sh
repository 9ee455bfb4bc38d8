#!/bin/bash
# Boot stage 48 (sourced by boot_default.sh): runs venv-backup.sh as a child, so it cannot change the boot shell.
stage_venv_backup() {
    /opt/instance-tools/bin/venv-backup.sh || echo "[venv-backup] failed (exit $?); see ${WORKSPACE:-/workspace}/.venv-backups" >&2
}

stage_venv_backup
