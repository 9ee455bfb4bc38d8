#!/bin/bash
# Boot stage 11 (sourced by boot_default.sh): creates the log folders services write to.
#
# /var/log/portal is world-writable with the sticky bit because services running as `user` keep their
# logs there too, next to root's, and the portal reads them all from one place. log-tee also writes a clean
# copy to /var/log/<program>.log, where only root may create files: for a program that runs as another
# user (`user=` in its conf), that file is made here, owned by it.
stage_log_dirs() {
    mkdir -p /var/log/portal /var/log/supervisor && chmod 1777 /var/log/portal || return 1
    local conf program user
    for conf in /etc/supervisor/conf.d/*.conf; do
        [[ -f "$conf" ]] || continue
        user=$(sed -n 's/^user=[[:space:]]*//p' "$conf" | head -n 1)
        program=$(sed -n 's/^\[program:\(.*\)\]$/\1/p' "$conf" | head -n 1)
        [[ -n "$user" && "$user" != root && -n "$program" ]] || continue
        touch "/var/log/${program}.log" && chown "$user" "/var/log/${program}.log" || return 1
    done
}

stage_log_dirs
