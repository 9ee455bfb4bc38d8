#!/bin/bash
# Boot stage 45 (sourced by boot_default.sh): adds the interactive-shell setup to root's and user's ~/.bashrc, once.
#
# Login shells (SSH, Jupyter terminals) start in $WORKSPACE with the container's environment, the
# main venv active, and a warning while provisioning is still running.
stage_bashrc() {
    local marker='### vast boot setup ###' rc block
    block="${marker}
# Added by /etc/vast_boot.d/45-user-write-bashrc.sh.
cd \"\${WORKSPACE:-/workspace}\" 2>/dev/null || true"
    if [[ "${export_env:-true}" == true ]]; then
        block+="
set -a
[[ -r /etc/environment ]] && . /etc/environment
[[ -r \"\${WORKSPACE:-/workspace}/.env\" ]] && . \"\${WORKSPACE:-/workspace}/.env\"
set +a"
    fi
    if [[ "${activate_python_environment:-true}" == true ]]; then
        block+="
if [[ -z \"\${VIRTUAL_ENV:-}\" && -r \"/venv/\${ACTIVE_VENV:-main}/bin/activate\" ]]; then
    . \"/venv/\${ACTIVE_VENV:-main}/bin/activate\"
fi"
    fi
    block+="
if [[ -f /.provisioning ]]; then
    printf '\\033[1;31m%s\\033[0m\\n' 'Provisioning is still running: some applications are not ready yet (log: /var/log/portal/provisioning.log).'
fi"

    for rc in /root/.bashrc /home/user/.bashrc; do
        [[ -d "$(dirname "$rc")" ]] || continue
        grep -qxF -- "$marker" "$rc" 2>/dev/null && continue
        printf '\n%s\n' "$block" >>"$rc" || return 1
    done
}

stage_bashrc
