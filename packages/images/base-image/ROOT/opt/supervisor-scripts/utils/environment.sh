#!/bin/bash
# Supervisor util (sourced by launch scripts): loads /etc/environment and $WORKSPACE/.env into the service.
#
# Users change a service's settings by editing these files and restarting it, without rebooting.
# Their content is user-written, so it is loaded without `set -u` (an unset reference must not kill the service).
vast_restore_nounset=false
if [[ $- == *u* ]]; then vast_restore_nounset=true; fi
set +u
set -a
if [[ -r /etc/environment ]]; then
    # shellcheck source=/dev/null
    . /etc/environment
fi
if [[ -n "${WORKSPACE:-}" && -r "${WORKSPACE}/.env" ]]; then
    # shellcheck source=/dev/null
    . "${WORKSPACE}/.env"
fi
set +a
if [[ "$vast_restore_nounset" == true ]]; then set -u; fi
unset vast_restore_nounset
