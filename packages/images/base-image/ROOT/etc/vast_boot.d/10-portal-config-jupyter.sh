#!/bin/bash
# Boot stage 10 (the first half of upstream's 10-prep-env) (sourced by boot_default.sh): fits the Jupyter entries of PORTAL_CONFIG to how the instance runs.
#
# Runs after 05-*-env.sh set the image's default PORTAL_CONFIG and before 10-prep-env.sh records the environment
# (upstream does both in one 10-prep-env.sh; two files keep one job each, and "portal" sorts before "prep").
# - /.launch names the platform's launch mode. If it runs its own Jupyter on 8080, Caddy must not
#   proxy 8080 to ours (18080): point the entries at 8080 directly (unless JUPYTER_OVERRIDE=true).
# - If the mode has no Jupyter, or on Vast port 8080 is not mapped, drop the Jupyter entries.
# - Otherwise, with 8080 mapped and no Jupyter entry, add one (unless FORCE_JUPYTER=false).
stage_portal_config_jupyter() {
    [[ -n "${PORTAL_CONFIG:-}" ]] || return 0
    local jupyter_entries='localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal'

    local launch=none
    if [[ -f /.launch ]]; then
        if grep -qi jupyter /.launch; then launch=jupyter; else launch=other; fi
    fi
    local override=${JUPYTER_OVERRIDE:-false}
    local -a entries kept=()
    local entry has_jupyter=false
    IFS='|' read -r -a entries <<<"$PORTAL_CONFIG"
    for entry in "${entries[@]}"; do
        if [[ "${entry,,}" == *jupyter* ]]; then has_jupyter=true; fi
    done

    if { [[ "$launch" == other && "$override" != true ]]; } ||
        { [[ -n "${VAST_CONTAINERLABEL:-}" && -z "${VAST_TCP_PORT_8080:-}" ]]; }; then
        for entry in "${entries[@]}"; do
            [[ "${entry,,}" == *jupyter* ]] || kept+=("$entry")
        done
        PORTAL_CONFIG=$(IFS='|' && echo "${kept[*]}")
        echo "[portal-config] removed the Jupyter entries (no Jupyter port for this launch mode)"
    elif [[ "$launch" == jupyter && "$override" != true ]]; then
        PORTAL_CONFIG=${PORTAL_CONFIG//localhost:8080:18080/localhost:8080:8080}
        echo "[portal-config] Jupyter is the platform's: its entries point at port 8080 directly"
    elif [[ "$has_jupyter" == false && "${FORCE_JUPYTER:-true}" != false && "$launch" == none && -n "${VAST_TCP_PORT_8080:-}" ]]; then
        PORTAL_CONFIG+="|${jupyter_entries}"
        echo "[portal-config] added the Jupyter entries (port 8080 is mapped)"
    fi
    export PORTAL_CONFIG
}

stage_portal_config_jupyter
