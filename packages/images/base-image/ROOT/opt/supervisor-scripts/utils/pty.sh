#!/bin/bash
# Supervisor util (sourced by logging.sh): defines `pty CMD...`, which runs CMD on a pseudo-terminal when it can.
#
# Many tools only print progress bars and flush promptly on a tty; unbuffer gives them one so the
# portal's log view stays live. CMD runs as a child, not exec'd, so cleanup_generic.sh's EXIT trap
# still reaps what it leaves behind.
pty() {
    if [[ "${DISABLE_PTY:-false}" != true ]] && command -v unbuffer >/dev/null 2>&1; then
        unbuffer -p "$@"
    else
        "$@"
    fi
}
