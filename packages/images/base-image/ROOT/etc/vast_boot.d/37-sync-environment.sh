#!/bin/bash
# Boot stage 37 (sourced by boot_default.sh): with --sync-environment, keeps the Python environments in $WORKSPACE.
#
# Installs into /venv/<name> then survive a new container on the same volume. The first instance to boot an image
# (keyed by ENV_ID, default /.env_hash, so a new image starts clean) copies every /venv/* venv and /.uv into
# $WORKSPACE/.environment_sync/<id>/, between the markers .syncing and .synced; every instance (the first included)
# then replaces the image's copies with links to the synced ones. Others wait for .synced, up to
# SYNC_ENVIRONMENT_TIMEOUT seconds (3600); on timeout boot goes on with the image's own environments and
# /var/log/vast_boot_failures says so.

# Copies directory $1 to $2 (created), owners, modes and links kept.
sync_env_copy() {
    mkdir -p "$2" && tar -C "$1" -cf - . | tar -C "$2" -xf -
}

sync_env_first_copy() {
    local target=$1 dir name
    for dir in /venv/*/; do
        dir=${dir%/}
        name=${dir##*/}
        if [[ -f "${dir}/pyvenv.cfg" ]]; then
            echo "[sync-environment] copying ${dir} to ${target}/venv/${name}"
            sync_env_copy "$dir" "${target}/venv/${name}" || return 1
        elif [[ -d "${dir}/conda-meta" ]]; then
            # Upstream packs conda envs with conda-pack; this image ships no conda.
            echo "[sync-environment] ${dir} is a conda env, which this image cannot pack (no conda-pack); left in the image" >&2
        fi
    done
    if [[ -d /.uv && ! -L /.uv ]]; then
        sync_env_copy /.uv "${target}/uv" || return 1
    fi
}

# Replaces each image copy by a link to its synced copy.
sync_env_relink() {
    local target=$1 dir name
    for dir in "${target}"/venv/*/; do
        dir=${dir%/}
        name=${dir##*/}
        [[ -f "${dir}/pyvenv.cfg" ]] || continue
        [[ -L "/venv/${name}" ]] || rm -rf "/venv/${name}"
        ln -sfn "$dir" "/venv/${name}"
    done
    if [[ -d "${target}/uv" ]]; then
        [[ -L /.uv ]] || rm -rf /.uv
        ln -sfn "${target}/uv" /.uv
    fi
    echo "[sync-environment] /venv/* linked to ${target}"
}

stage_sync_environment() {
    [[ "${sync_environment:-false}" == true ]] || return 0
    local workspace=${WORKSPACE:-/workspace} id target
    id=${ENV_ID:-$(cat /.env_hash 2>/dev/null)}
    [[ -n "$id" ]] || { echo "[sync-environment] no ENV_ID and no /.env_hash: nothing to key the sync by" >&2; return 1; }
    target="${workspace}/.environment_sync/${id}"
    mkdir -p "${workspace}/.environment_sync" || return 1

    if [[ -d "$target" && ! -e "${target}/.syncing" && ! -e "${target}/.synced" ]] && compgen -G "${target}/venv/*" >/dev/null; then
        # A tree from before the markers existed: complete by definition.
        touch "${target}/.synced"
    fi
    # mkdir is atomic: exactly one instance on a shared volume becomes the one that copies.
    if mkdir "$target" 2>/dev/null; then
        touch "${target}/.syncing"
        if ! sync_env_first_copy "$target"; then
            echo "[sync-environment] copying into ${target} failed; delete that folder to retry on the next boot" >&2
            return 1
        fi
        rm -f "${target}/.syncing"
        touch "${target}/.synced"
    fi

    local waited=0 timeout=${SYNC_ENVIRONMENT_TIMEOUT:-3600}
    while [[ ! -e "${target}/.synced" ]]; do
        if ((waited >= timeout)); then
            echo "37-sync-environment: environment sync did not complete in ${timeout}s; delete ${target} to start it again" |
                tee -a /var/log/vast_boot_failures >&2
            return 1
        fi
        sleep 10
        waited=$((waited + 10))
    done
    sync_env_relink "$target"
}

stage_sync_environment
