#!/bin/bash
# Boot stage 12 (sourced by boot_default.sh): caps CPU thread pools on hosts whose pids budget cannot feed one per core.
#
# A container may see 128 cores and be allowed 512 pids; OpenMP, BLAS, rayon and tokio each start a thread per core
# and the first import fails with "can't start new thread". When pids.max < cores*16 the pools are capped to the CPU
# quota (rounded cores) or, with no quota, VAST_CPU_THREAD_CEILING (default 16), within [2, ceiling]. The caps go in a
# managed block at the end of /etc/environment (so services and SSH logins get them) and into this boot shell.
# A value the user or template set (in /etc/environment outside the block, or in $WORKSPACE/.env) is never
# overridden. The block is rebuilt every boot, and removed (its variables unset) on a host with a healthy budget.
# Sourced, not run: the exports must reach supervisord. _VAST_THREAD_HOOK_LIB_ONLY=1 defines the functions only.

CPU_THREAD_VARS=(OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS NUMEXPR_NUM_THREADS NUMEXPR_MAX_THREADS
    VECLIB_MAXIMUM_THREADS RAYON_NUM_THREADS TOKIO_WORKER_THREADS)
CPU_THREAD_BEGIN='# VAST_CPU_THREAD_CAPS_BEGIN (ADR 0014, managed — do not edit)'
CPU_THREAD_END='# VAST_CPU_THREAD_CAPS_END'

# pids.max of this cgroup (v2, then v1); empty when unlimited or unreadable.
cpu_threads_pids_max() {
    local root=$1 value=''
    if [[ -r "${root}/pids.max" ]]; then
        value=$(<"${root}/pids.max")
    elif [[ -r "${root}/pids/pids.max" ]]; then
        value=$(<"${root}/pids/pids.max")
    fi
    [[ "$value" =~ ^[0-9]+$ ]] && echo "$value"
    return 0
}

# The CPU quota in whole cores, rounded (v2 cpu.max, then v1 cfs); empty when there is none.
cpu_threads_quota() {
    local root=$1 quota period
    if [[ -r "${root}/cpu.max" ]]; then
        read -r quota period <"${root}/cpu.max"
    elif [[ -r "${root}/cpu/cpu.cfs_quota_us" && -r "${root}/cpu/cpu.cfs_period_us" ]]; then
        quota=$(<"${root}/cpu/cpu.cfs_quota_us")
        period=$(<"${root}/cpu/cpu.cfs_period_us")
    fi
    [[ "${quota:-}" =~ ^[0-9]+$ && "${period:-}" =~ ^[0-9]+$ ]] || return 0
    ((quota > 0 && period > 0)) || return 0
    echo $(((quota + period / 2) / period))
}

# The cap for PIDS_MAX VISIBLE_CORES QUOTA CEILING, or nothing when the host's budget is healthy.
cpu_threads_cap() {
    local pids=$1 visible=$2 quota=$3 ceiling=$4 cap
    [[ "$pids" =~ ^[0-9]+$ && "$visible" =~ ^[0-9]+$ ]] || return 0
    ((visible > 0 && pids < visible * 16)) || return 0
    [[ "$ceiling" =~ ^[0-9]+$ ]] && ((ceiling >= 2)) || ceiling=16
    cap=${quota:-$ceiling}
    ((cap > ceiling)) && cap=$ceiling
    ((cap < 2)) && cap=2
    echo "$cap"
}

# FILE without the managed block.
cpu_threads_outside_block() {
    awk -v b="$CPU_THREAD_BEGIN" -v e="$CPU_THREAD_END" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$1"
}

# True when VAR is set by a `VAR=` or `export VAR=` line of FILE outside the managed block, or of WORKSPACE_ENV.
cpu_threads_user_set() {
    local var=$1 file=$2 workspace_env=$3
    # Not grep -q: it would stop reading early, and pipefail would count awk's broken pipe as "not set".
    if [[ -r "$file" ]] && cpu_threads_outside_block "$file" |
        grep -E "^[[:space:]]*(export[[:space:]]+)?${var}=" >/dev/null; then
        return 0
    fi
    [[ -r "$workspace_env" ]] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?${var}=" "$workspace_env"
}

# Rebuilds the block in FILE for CGROUP_ROOT, VISIBLE_CORES, WORKSPACE_ENV; exports or unsets in the current shell.
cpu_threads_apply() {
    local root=$1 visible=$2 file=$3 workspace_env=$4
    local pids quota cap had_block=false var tmp
    pids=$(cpu_threads_pids_max "$root")
    quota=$(cpu_threads_quota "$root")
    cap=$(cpu_threads_cap "$pids" "$visible" "$quota" "${VAST_CPU_THREAD_CEILING:-16}")

    if [[ -f "$file" ]] && grep -qxF -- "$CPU_THREAD_BEGIN" "$file"; then
        had_block=true
        tmp=$(mktemp "${file}.XXXXXX") || return 1
        if ! cpu_threads_outside_block "$file" >"$tmp" ||
            ! chmod --reference="$file" "$tmp" || ! mv -f "$tmp" "$file"; then
            rm -f "$tmp"
            return 1
        fi
    fi

    if [[ -z "$cap" ]]; then
        [[ "$had_block" == true ]] || return 0
        echo "[cpu-thread-limits] healthy pids budget (pids.max=${pids:-max}, nproc=${visible}): thread caps removed"
        for var in "${CPU_THREAD_VARS[@]}"; do
            cpu_threads_user_set "$var" "$file" "$workspace_env" || unset "$var"
        done
        set -a
        # shellcheck source=/dev/null
        [[ -r "$file" ]] && . "$file"
        # shellcheck source=/dev/null
        [[ -r "$workspace_env" ]] && . "$workspace_env"
        set +a
        return 0
    fi

    # /etc/environment holds secrets: a file this stage creates is root's alone, as 10-prep-env makes it.
    [[ -e "$file" ]] || install -m 0600 /dev/null "$file" || return 1
    echo "[cpu-thread-limits] low pids budget (pids.max=${pids}, nproc=${visible}, quota=${quota:-none}) — capping thread pools to ${cap}"
    local block=$CPU_THREAD_BEGIN
    for var in "${CPU_THREAD_VARS[@]}"; do
        if cpu_threads_user_set "$var" "$file" "$workspace_env"; then
            block+=$'\n'"# ${var}: left at user/template value"
        else
            block+=$'\n'"${var}=${cap}"
            export "${var}=${cap}"
        fi
    done
    printf '%s\n%s\n' "$block" "$CPU_THREAD_END" >>"$file"
}

stage_cpu_thread_limits() {
    local visible
    visible=$(nproc 2>/dev/null) || visible=0
    cpu_threads_apply /sys/fs/cgroup "$visible" /etc/environment "${WORKSPACE:-/workspace}/.env" ||
        echo "[cpu-thread-limits] skipped (unexpected error reading cgroup state)" >&2
    return 0
}

# A brace group, not a subshell: the exports must stay in the boot shell.
if [[ "${_VAST_THREAD_HOOK_LIB_ONLY:-}" != 1 ]]; then
    { stage_cpu_thread_limits; }
fi
