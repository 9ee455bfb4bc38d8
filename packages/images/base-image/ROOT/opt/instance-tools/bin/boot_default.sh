#!/bin/bash
# Boot runner (PID 1, exec'd by entrypoint.sh): parses boot flags, then sources /etc/vast_boot.d/NN-*.sh in order.
#
# Stages are sourced into this one shell so their variables and exports reach later stages and
# supervisord. That is also why this shell does not use `set -eu`: one failing command or unset
# variable in one stage must not abort the boot. Instead an ERR trap names every failed command and
# each stage's status is logged; stages end early with `return`, never `exit`.
# The flag variables below are read by the sourced stages, which shellcheck cannot follow.
# shellcheck disable=SC2034
set -o pipefail
set -o errtrace
umask 002

readonly BOOT_STAGE_DIR=${BOOT_STAGE_DIR:-/etc/vast_boot.d}
readonly BOOT_LOG=/var/log/vast-boot.log

# Defaults the stages read; flags below turn them off or on.
propagate_user_keys=true
export_env=true
generate_tls_cert=true
update_portal=true
update_vast_cli=true
activate_python_environment=true
sync_environment=false
sync_home_to_workspace=false

for arg in "$@"; do
    case "$arg" in
        --no-user-keys) propagate_user_keys=false ;;
        --no-export-env) export_env=false ;;
        --no-cert-gen) generate_tls_cert=false ;;
        --no-update-portal) update_portal=false ;;
        --no-update-vast) update_vast_cli=false ;;
        --no-activate-pyenv) activate_python_environment=false ;;
        --no-forward-compat) export DISABLE_FORWARD_COMPAT=true ;;
        --sync-environment) sync_environment=true ;;
        --sync-home) sync_home_to_workspace=true ;;
        --jupyter-override) export JUPYTER_OVERRIDE=true ;;
        --no-force-jupyter) export FORCE_JUPYTER=false ;;
        --no-agent-banner) export ENABLE_AGENT_BANNER=false ;;
        *) echo "boot: ignoring unknown flag '${arg}'" >&2 ;;
    esac
done

# A flag whose variable no stage of this image reads would do nothing: say so instead of ignoring it silently.
# (Stages of a derivative, or added later, that read the variable make the flag take effect with no change here.)
boot_flag_unread() {
    local flag=$1 variable=$2 why=$3
    grep -rqsw -- "$variable" "$BOOT_STAGE_DIR" && return 0
    echo "boot: ${flag} ignored: ${why}" >&2
}
for arg in "$@"; do
    case "$arg" in
        --no-update-portal) boot_flag_unread "$arg" update_portal 'the portal is part of this image; no boot stage updates it' ;;
        --no-update-vast) boot_flag_unread "$arg" update_vast_cli 'this image has no vast-cli checkout to update (the production profile has one)' ;;
        --no-agent-banner) boot_flag_unread "$arg" ENABLE_AGENT_BANNER 'no boot stage of this image writes an agent banner' ;;
    esac
done

# Serverless workers must start fast and reproducibly: never self-update there.
if [[ "${SERVERLESS:-}" =~ ^[Tt][Rr][Uu][Ee]$ ]]; then
    update_portal=false
    update_vast_cli=false
fi

# Boot work nothing before provisioning reads (48's venv backup, 55's pair with HTTPS off) runs beside the later stages
# at low priority, so the services supervisord starts meanwhile come first; stage 75 waits for all of it
# (boot_background_wait) before provisioning changes anything. A stage hands it over as a command or a function.
boot_background_pids=()
boot_background() {
    (
        renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
        "$@"
    ) &
    boot_background_pids+=("$!")
}
boot_background_wait() {
    local pid
    for pid in "${boot_background_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}

boot_log() {
    local now
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    echo "[boot] $*"
    # The smoke test reads this file to prove the stage order; losing a line must not stop boot.
    echo "${now} $*" >>"$BOOT_LOG" 2>/dev/null || true
}

current_stage=''
on_error() {
    local status=$1 command=$2
    # A stage's own status (its `.` line or its stage_* function) is reported once, by the loop below;
    # `return N` is a stage saying it failed on purpose, after printing why.
    # shellcheck disable=SC2016  # the literal text of the loop's source line
    [[ "$command" == '. "$stage"' || "$command" == stage_* || "$command" == return* ]] && return 0
    echo "[boot] ${current_stage:-boot}: command failed (exit ${status}): ${command}" >&2
    # Also in the boot log, where the smoke looks for stages that failed halfway without saying so.
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ${current_stage:-boot} command failed (exit ${status}): ${command}" >>"$BOOT_LOG" 2>/dev/null || true
}
trap 'on_error "$?" "$BASH_COMMAND"' ERR

mkdir -p "$(dirname "$BOOT_LOG")"
boot_log "boot-start pid=$$"

shopt -s nullglob
stages=("$BOOT_STAGE_DIR"/[0-9][0-9]-*.sh)
shopt -u nullglob
# Glob order is locale-dependent; the stage numbers are the contract, so sort bytewise.
mapfile -t stages < <(printf '%s\n' "${stages[@]}" | LC_ALL=C sort)

for stage in "${stages[@]}"; do
    [[ -f "$stage" ]] || continue
    current_stage=$(basename "$stage" .sh)
    boot_log "$current_stage"
    # shellcheck source=/dev/null
    . "$stage"
    status=$?
    if ((status != 0)); then
        boot_log "${current_stage} failed (exit ${status}); continuing"
    fi
done
current_stage=''
boot_log "boot-end"
