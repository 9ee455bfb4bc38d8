#!/bin/bash
# Boot stage 05 (sourced by boot_default.sh): points /usr/local/cuda at the toolkit the host driver can run.
#
# Skipped, saying so in the boot log, without nvidia-smi (CPU hosts, local builds). The driver's CUDA version comes
# from the driver itself (cuda-driver-version --native: cuDriverGetVersion in the native libcuda), never from
# nvidia-smi's text. With several /usr/local/cuda-X.Y toolkits:
# the newest one if the driver supports it, or if its forward-compat libraries are present (and
# DISABLE_FORWARD_COMPAT is not true); otherwise the newest the driver supports; otherwise the oldest.
# VAST_CUDA_MAX_OVERRIDE=X.Y replaces the driver's version (for tests and broken drivers).

# True when version $1 > $2, compared component-wise (13.10 > 13.9).
cuda_version_gt() {
    [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" == "$1" ]]
}

cuda_record_failure() {
    echo "[cuda] $*" >&2
    echo "$*" >/run/vast-cuda-config-failed 2>/dev/null || true
}

# A line in the boot log (boot_default.sh's boot_log), which the smoke reads to tell a clean skip from a silent one.
cuda_skip() {
    echo "[cuda] $*"
    if declare -F boot_log >/dev/null; then boot_log "05-configure-cuda skipped: $*" >/dev/null; fi
}

stage_configure_cuda() {
    if ! command -v nvidia-smi >/dev/null 2>&1; then
        cuda_skip "no NVIDIA driver in this container (no nvidia-smi); CUDA left as it is"
        return 0
    fi

    local driver_max
    if [[ -n "${VAST_CUDA_MAX_OVERRIDE:-}" ]]; then
        if [[ ! "$VAST_CUDA_MAX_OVERRIDE" =~ ^[0-9]+\.[0-9]+$ ]]; then
            cuda_record_failure "VAST_CUDA_MAX_OVERRIDE='${VAST_CUDA_MAX_OVERRIDE}' is not MAJOR.MINOR (e.g. 12.9); CUDA left as it is"
            return 1
        fi
        driver_max=$VAST_CUDA_MAX_OVERRIDE
    else
        driver_max=$(cuda-driver-version --native) || driver_max=''
    fi
    if [[ ! "$driver_max" =~ ^[0-9]+\.[0-9]+$ ]]; then
        cuda_record_failure "could not read the driver's CUDA version (cuda-driver-version --native printed '${driver_max}'); CUDA left as it is"
        return 1
    fi

    local -a toolkits=()
    local dir
    for dir in /usr/local/cuda-[0-9]*.[0-9]*; do
        [[ -d "$dir" ]] && toolkits+=("${dir#/usr/local/cuda-}")
    done
    if ((${#toolkits[@]} == 0)); then
        echo "[cuda] driver supports CUDA ${driver_max}; no toolkit under /usr/local/cuda-X.Y"
        return 0
    fi
    mapfile -t toolkits < <(printf '%s\n' "${toolkits[@]}" | sort -V)

    local newest=${toolkits[-1]} chosen='' compat=false version
    if ! cuda_version_gt "$newest" "$driver_max"; then
        chosen=$newest
    elif [[ "${DISABLE_FORWARD_COMPAT:-false}" != true ]] && compgen -G "/usr/local/cuda-${newest}/compat/libcuda.so.*" >/dev/null; then
        chosen=$newest
        compat=true
    else
        for version in "${toolkits[@]}"; do
            cuda_version_gt "$version" "$driver_max" || chosen=$version
        done
        chosen=${chosen:-${toolkits[0]}}
    fi

    rm -f /etc/ld.so.conf.d/0-compat-cuda.conf
    if [[ "$compat" == true ]]; then
        # Loaded before the driver's own libcuda, so the newer toolkit runs on the older driver.
        echo "/usr/local/cuda-${chosen}/compat" >/etc/ld.so.conf.d/0-compat-cuda.conf
        touch /etc/vast-cuda-compat-established
    fi
    ln -sfn "/usr/local/cuda-${chosen}" /usr/local/cuda
    echo /usr/local/cuda/lib64 >/etc/ld.so.conf.d/10-cuda.conf
    export CUDA_HOME=/usr/local/cuda
    ldconfig
    rm -f /run/vast-cuda-config-failed
    echo "[cuda] driver supports CUDA ${driver_max}; using toolkit ${chosen}$([[ "$compat" == true ]] && echo ' with forward compatibility')"
}

stage_configure_cuda
