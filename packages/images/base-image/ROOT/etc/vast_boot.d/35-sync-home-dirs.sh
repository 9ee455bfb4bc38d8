#!/bin/bash
# Boot stage 35 (sourced by boot_default.sh): with --sync-home, keeps /root and /home/* on $WORKSPACE/home.
#
# Homes then survive on the workspace volume and are shared by instances that mount it. The first
# instance takes the lock (mkdir $WORKSPACE/home/.lock), moves the homes there and marks .synced;
# the others wait for .synced (up to SYNC_HOME_TIMEOUT, 3600 s) and link to them. .ssh folders stay
# off the volume in /home_ssh/<name>: sshd refuses keys in folders other users can write.

sync_home_fail() {
    echo "[sync-home] $*" >&2
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) sync-home: $*" >>/var/log/vast_boot_failures
}

# Moves the .ssh of home $1 (named $2) to /home_ssh/$2 and links it back.
sync_home_keep_ssh_local() {
    local home=$1 name=$2
    mkdir -p /home_ssh && chmod 0755 /home_ssh
    if [[ -d "${home}/.ssh" && ! -L "${home}/.ssh" ]]; then
        rm -rf "/home_ssh/${name}/.ssh"
        mkdir -p "/home_ssh/${name}"
        mv "${home}/.ssh" "/home_ssh/${name}/.ssh"
    fi
}

# Prints "path name" for each local home to sync.
sync_home_list() {
    echo "/root root"
    local home
    for home in /home/*; do
        if [[ -d "$home" || -L "$home" ]]; then echo "${home} ${home#/home/}"; fi
    done
}

# Prints "path name" for each home kept in the store $1 (the local path it belongs at).
sync_home_stored() {
    local stored name
    for stored in "$1"/*; do
        [[ -d "$stored" ]] || continue
        name=${stored##*/}
        if [[ "$name" == root ]]; then echo "/root root"; else echo "/home/${name} ${name}"; fi
    done
}

stage_sync_home() {
    [[ "${sync_home_to_workspace:-false}" == true ]] || return 0
    local store="${WORKSPACE:-/workspace}/home" path name

    mkdir -p "$store" || return 1
    if mkdir "${store}/.lock" 2>/dev/null; then
        touch "${store}/.syncing"
        while read -r path name; do
            [[ -L "$path" || -e "${store}/${name}" ]] && continue
            sync_home_keep_ssh_local "$path" "$name"
            mv "$path" "${store}/${name}" || sync_home_fail "could not move ${path} to ${store}/${name}"
        done < <(sync_home_list)
        rm -f "${store}/.syncing"
        touch "${store}/.synced"
    else
        local waited=0 timeout=${SYNC_HOME_TIMEOUT:-3600}
        until [[ -e "${store}/.synced" ]]; do
            if ((waited >= timeout)); then
                sync_home_fail "gave up after ${timeout}s waiting for another instance to finish ${store}/.synced; homes stay local"
                return 1
            fi
            sleep 5
            waited=$((waited + 5))
        done
    fi

    while read -r path name; do
        [[ -L "$path" ]] && continue
        # This instance's own copy (if any) is replaced by the shared one; only its .ssh is kept.
        if [[ -e "$path" ]]; then
            sync_home_keep_ssh_local "$path" "$name"
            rm -rf "$path"
        fi
        ln -s "${store}/${name}" "$path"
        if [[ -d "/home_ssh/${name}/.ssh" ]]; then
            ln -sfn "/home_ssh/${name}/.ssh" "${store}/${name}/.ssh"
        fi
    done < <(sync_home_stored "$store")
}

stage_sync_home
