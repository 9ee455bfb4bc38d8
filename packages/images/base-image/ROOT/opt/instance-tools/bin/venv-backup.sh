#!/bin/bash
# venv-backup.sh (run by boot stage 48 every boot): records `pip freeze` of each /venv/* in the workspace.
#
# $WORKSPACE/.venv-backups/<container>/venv-<name>-<YYYY-MM-DD-HHMM>.txt, with venv-<name>-latest.txt pointing at the
# newest; the newest VENV_BACKUP_COUNT (48) are kept per venv, and VENV_BACKUP_COUNT=0 turns the backup off. What
# it did goes to backup.log in that folder. A venv is rebuilt from one with `pip install -r`.
set -euo pipefail

keep=${VENV_BACKUP_COUNT:-48}
[[ "$keep" =~ ^[0-9]+$ ]] || { echo "venv-backup: VENV_BACKUP_COUNT='${keep}' is not a number; set it to 0 (off) or N (keep N)" >&2; exit 1; }
((keep > 0)) || exit 0

dir="${WORKSPACE:-/workspace}/.venv-backups/${CONTAINER_ID:-$(hostname)}"
mkdir -p "$dir"
log="${dir}/backup.log"
stamp=$(date -u +%Y-%m-%d-%H%M)

for venv in /venv/*/; do
    venv=${venv%/}
    name=${venv##*/}
    [[ -f "${venv}/bin/activate" && -x "${venv}/bin/python" ]] || continue
    file="${dir}/venv-${name}-${stamp}.txt"
    if "${venv}/bin/python" -m pip freeze >"${file}.tmp" 2>>"$log"; then
        mv -f "${file}.tmp" "$file"
        ln -sfn "${file##*/}" "${dir}/venv-${name}-latest.txt"
        echo "$(date -u +%FT%TZ) ${venv}: $(wc -l <"$file") packages -> ${file##*/}" >>"$log"
    else
        rm -f "${file}.tmp"
        echo "$(date -u +%FT%TZ) ${venv}: pip freeze failed" >>"$log"
        continue
    fi
    # Newest first by name (the stamp sorts by time); drop all but the newest $keep.
    find "$dir" -maxdepth 1 -name "venv-${name}-[0-9]*.txt" -printf '%f\n' | LC_ALL=C sort -r | tail -n "+$((keep + 1))" |
        while read -r old; do rm -f "${dir}/${old}"; done
done
