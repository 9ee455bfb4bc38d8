#!/bin/bash
# Boot stage 10 (sourced by boot_default.sh): prepares $WORKSPACE, writes /etc/environment, loads $WORKSPACE/.env.
#
# /etc/environment carries the container's environment to SSH logins and to services restarted
# later (environment.sh reads it). It is rewritten once per container: a restarted container keeps
# the user's edits, a new container (other CONTAINER_ID) gets its own values. It holds every
# variable, secrets included (OPEN_BUTTON_TOKEN, WEB_PASSWORD, HF_TOKEN...), as upstream's does, so
# it is root's alone (0600): pam_env reads it as root for every login, and the services run as root.

# Writes the environment as NAME="value" lines that both pam_env and `. /etc/environment` read.
env_prep_write_environment() {
    local id=${CONTAINER_ID:-${VAST_CONTAINERLABEL:-${CONTAINER_LABEL:-}}}
    local header="# Template controlled environment for C.${id#C.}"
    if [[ -n "$id" ]] && grep -qxF -- "$header" /etc/environment 2>/dev/null; then
        return 0
    fi

    local tmp name value
    tmp=$(mktemp /etc/environment.XXXXXX) || return 1
    {
        echo "$header"
        echo 'PATH="/opt/instance-tools/bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
        while IFS= read -r name; do
            case "$name" in
                # Per-shell or per-login values, and conda's own state, must never be pinned.
                PATH | HOME | SHLVL | PWD | OLDPWD | _ | *CONDA*) continue ;;
            esac
            value=${!name}
            # pam_env has no multi-line values; such variables stay in the boot environment only.
            [[ "$value" == *$'\n'* ]] && continue
            value=${value//\\/\\\\}
            value=${value//\"/\\\"}
            value=${value//\$/\\\$}
            value=${value//\`/\\\`}
            printf '%s="%s"\n' "$name" "$value"
        done < <(compgen -e | LC_ALL=C sort)
    } >"$tmp" && mv -f "$tmp" /etc/environment
}

stage_env_prep() {
    local workspace=${WORKSPACE:-/workspace}
    mkdir -p "$workspace" || return 1
    # The boot shell's directory becomes supervisord's and so every service's default.
    cd "$workspace" || return 1
    export HF_HOME=${HF_HOME:-${workspace}/.hf_home}
    mkdir -p "$HF_HOME" || return 1

    env_prep_write_environment || return 1
    # The one place its mode is set: a new file (mktemp already made it 0600) and one kept from an earlier boot, which
    # an older image may have written world-readable.
    chmod 0600 /etc/environment || return 1

    if [[ "${export_env:-true}" == true ]]; then
        set -a
        # shellcheck source=/dev/null
        . /etc/environment
        if [[ -f "${workspace}/.env" ]]; then
            # shellcheck source=/dev/null
            . "${workspace}/.env"
        fi
        set +a
    fi
}

stage_env_prep
