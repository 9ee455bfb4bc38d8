#!/bin/bash
# Boot stage 11 (sourced by boot_default.sh): creates the log folders services write to.
#
# /var/log/portal is world-writable with the sticky bit because services running as `user` keep their
# logs there too, next to root's, and the portal reads them all from one place. log-tee also writes a clean
# copy to /var/log/<program>.log, where only root may create files: for a program that runs as another
# user (`user=` in its conf), that file is made here, owned by it.
stage_log_dirs() {
    mkdir -p /var/log/portal /var/log/supervisor && chmod 1777 /var/log/portal || return 1
    local conf line program user
    # Read in bash, not with sed per file: boot waits on every process this stage forks.
    for conf in /etc/supervisor/conf.d/*.conf; do
        [[ -f "$conf" ]] || continue
        program='' user=''
        while IFS= read -r line || [[ -n "$line" ]]; do
            if [[ -z "$program" && "$line" =~ ^\[program:(.*)\]$ ]]; then
                program=${BASH_REMATCH[1]}
            elif [[ -z "$user" && "$line" =~ ^user=[[:space:]]*(.*)$ ]]; then
                user=${BASH_REMATCH[1]}
            fi
        done <"$conf"
        [[ -n "$user" && "$user" != root && -n "$program" ]] || continue
        touch "/var/log/${program}.log" && chown "$user" "/var/log/${program}.log" || return 1
    done
}

stage_log_dirs
