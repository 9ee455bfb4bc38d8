#!/bin/bash
# Boot stage 11 (sourced by boot_default.sh): creates the log folders services write to.
#
# /var/log/portal is world-writable with the sticky bit because services running as `user` keep their
# logs there too, next to root's, and the portal reads them all from one place.
stage_log_dirs() {
    mkdir -p /var/log/portal /var/log/supervisor &&
        chmod 1777 /var/log/portal
}

stage_log_dirs
