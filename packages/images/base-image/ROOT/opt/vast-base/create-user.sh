#!/bin/bash
# create-user.sh: makes `user` (uid 1001, group root, passwordless sudo) and the folders the runtime writes to; run at build time by base-image's `user` step and by graft.sh.
set -euo pipefail

# Uid 1001 in group root, so files written by either side stay writable by the other (umask 002).
if ! id -u user >/dev/null 2>&1; then
    if getent passwd 1001 >/dev/null; then
        echo "create-user: uid 1001 is taken by $(getent passwd 1001 | cut -d: -f1); the runtime expects 'user' to be 1001:0" >&2
        exit 1
    fi
    echo "create-user: creating user (1001:0) with passwordless sudo"
    useradd -ms /bin/bash -u 1001 -g 0 user
fi
echo 'user ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/user
chmod 0440 /etc/sudoers.d/user

mkdir -p /run/user/1001 /opt/workspace-internal /var/log/portal /var/log/supervisor
chown 1001:0 /run/user/1001
chmod 700 /run/user/1001

# The image's ENV carries TCLLIBPATH=/usr/lib/tcltk/default, one path for every architecture as upstream's: expect's
# unbuffer (the `pty` of every launch script) finds Tcl's libraries there.
if [[ -d "/usr/lib/tcltk/$(uname -m)-linux-gnu" ]]; then
    ln -sfn "/usr/lib/tcltk/$(uname -m)-linux-gnu" /usr/lib/tcltk/default
fi
id user
