#!/bin/bash
# Boot stage 46 (sourced by boot_default.sh): gives every user in /home root's authorized SSH keys (unless --no-user-keys).
#
# The platform installs the owner's keys for root only; this lets them log in as `user` too.
ssh_keys_log() {
    echo "[ssh-keys] $*"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>/var/log/portal/ssh-keys.log 2>/dev/null || true
}

stage_ssh_keys() {
    [[ "${propagate_user_keys:-true}" == true ]] || return 0
    local root_keys=/root/.ssh/authorized_keys home name group keys key
    mkdir -p /root/.ssh && chmod 700 /root/.ssh && touch "$root_keys" && chmod 600 "$root_keys" || return 1
    [[ -s "$root_keys" ]] || return 0

    for home in /home/*; do
        [[ -d "$home" ]] || continue
        name=${home#/home/}
        id -u "$name" >/dev/null 2>&1 || continue
        group=$(id -gn "$name")
        keys="${home}/.ssh/authorized_keys"
        if ! mkdir -p "${home}/.ssh" || ! touch "$keys"; then continue; fi
        while IFS= read -r key; do
            [[ -z "$key" || "$key" == \#* ]] && continue
            if ! grep -qxF -- "$key" "$keys"; then
                printf '%s\n' "$key" >>"$keys"
                ssh_keys_log "added a key of root to ${keys}"
            fi
        done <"$root_keys"
        # sshd ignores keys that other users could change.
        chown -R "${name}:${group}" "${home}/.ssh" && chmod 700 "${home}/.ssh" && chmod 600 "$keys"
    done
}

stage_ssh_keys
