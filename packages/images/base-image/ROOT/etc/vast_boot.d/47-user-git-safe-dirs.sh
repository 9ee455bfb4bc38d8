#!/bin/bash
# Boot stage 47 (sourced by boot_default.sh): marks git repositories in $WORKSPACE as safe for root and `user`.
#
# Repositories copied in by another uid (workspace sync, provisioning as root) make git refuse to
# work in them ("dubious ownership"). The search stops 4 levels down so a huge volume does not
# stall boot.
stage_git_safe_dirs() {
    command -v git >/dev/null 2>&1 || return 0
    local workspace=${WORKSPACE:-/workspace} gitdir repo home config
    [[ -d "$workspace" ]] || return 0

    while IFS= read -r -d '' gitdir; do
        repo=${gitdir%/.git}
        for home in /root /home/user; do
            [[ -d "$home" ]] || continue
            config="${home}/.gitconfig"
            git config --file "$config" --get-all safe.directory 2>/dev/null | grep -qxF -- "$repo" && continue
            git config --file "$config" --add safe.directory "$repo" || continue
            [[ "$home" == /root ]] || chown "$(stat -c %u:%g "$home")" "$config"
        done
    done < <(find "$workspace" -maxdepth 4 -name .git -prune -print0 2>/dev/null)
}

stage_git_safe_dirs
