#!/bin/bash
# Boot stage 36 (sourced by boot_default.sh): copies each top-level item of /opt/workspace-internal/ to $WORKSPACE if absent.
#
# Images put their apps (and examples) in /opt/workspace-internal at build time; the workspace is
# often a volume that hides the image's own /workspace. Items already there are the user's and are
# never overwritten. A per-item flock stops two instances sharing one volume from copying at once,
# and the copy goes to a temporary name first so a crash never leaves a half-copied item.
stage_sync_workspace() {
    local source=/opt/workspace-internal workspace=${WORKSPACE:-/workspace} name
    [[ -d "$source" ]] || return 0
    mkdir -p "$workspace" || return 1
    command -v flock >/dev/null 2>&1 || { echo "[sync-workspace] flock is missing (util-linux)" >&2; return 1; }

    local -a items
    mapfile -t items < <(find "$source" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort)
    local status=0
    for name in "${items[@]}"; do
        [[ -e "${workspace}/${name}" || -L "${workspace}/${name}" ]] && continue
        (
            flock -w "${SYNC_WORKSPACE_LOCK_TIMEOUT:-600}" 9 || { echo "[sync-workspace] timed out waiting for the lock on ${name}" >&2; exit 1; }
            [[ -e "${workspace}/${name}" || -L "${workspace}/${name}" ]] && exit 0
            tmp="${workspace}/.sync_tmp_${name}.$$"
            rm -rf "$tmp"
            cp -a "${source}/${name}" "$tmp" && mv -T "$tmp" "${workspace}/${name}" && echo "[sync-workspace] copied ${name} to ${workspace}"
        ) 9>"${workspace}/.sync_${name}.lock" || status=1
    done
    return "$status"
}

stage_sync_workspace
