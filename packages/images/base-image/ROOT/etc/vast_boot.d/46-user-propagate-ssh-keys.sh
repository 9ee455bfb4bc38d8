#!/bin/bash
# Boot stage 46 (sourced by boot_default.sh): gives every user in /home root's authorized SSH keys (unless --no-user-keys).
#
# The work is the tool /opt/instance-tools/bin/propagate_ssh_keys.sh, as upstream ships it, so it can be re-run by hand.
stage_user_propagate_ssh_keys() {
    [[ "${propagate_user_keys:-true}" == true ]] || return 0
    propagate_ssh_keys.sh
}

stage_user_propagate_ssh_keys
