#!/bin/bash
# propagate_ssh_keys.sh: gives every user in /home root's authorized SSH keys; run by boot stage 46 (and by hand, as root).
#
# The platform installs the owner's keys for root only; this lets them log in as `user` too.
set -euo pipefail

log() {
    echo "[ssh-keys] $*"
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>/var/log/portal/ssh-keys.log 2>/dev/null || true
}

if ((EUID != 0)); then
    echo "propagate_ssh_keys.sh: run it as root (it writes other users' authorized_keys)" >&2
    exit 1
fi

root_keys=/root/.ssh/authorized_keys
mkdir -p /root/.ssh && chmod 700 /root/.ssh && touch "$root_keys" && chmod 600 "$root_keys"
[[ -s "$root_keys" ]] || exit 0

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
            log "added a key of root to ${keys}"
        fi
    done <"$root_keys"
    # sshd ignores keys that other users could change.
    chown -R "${name}:${group}" "${home}/.ssh" && chmod 700 "${home}/.ssh" && chmod 600 "$keys"
done
