#!/bin/bash
# Supervisor util (sourced by launch scripts): on exit or signal, stops every process the script started.
#
# Without this a restarted service can find its port still held by an orphaned child of the last run.

# Prints the pids of every descendant of $1, deepest last.
vast_descendants() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$child"
        vast_descendants "$child"
    done
}

vast_cleanup() {
    local status=$?
    # Runs once even when both a signal and EXIT fire.
    trap - EXIT INT TERM
    local -a pids
    mapfile -t pids < <(vast_descendants "$$" | grep -vx -- "${VAST_LOG_TEE_PID:-none}")
    if ((${#pids[@]} > 0)); then
        kill -TERM "${pids[@]}" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            local alive=false pid
            for pid in "${pids[@]}"; do
                if kill -0 "$pid" 2>/dev/null; then alive=true; break; fi
            done
            [[ "$alive" == true ]] || break
            sleep 0.1
        done
        kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    exit "$status"
}

trap vast_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
