#!/bin/bash
# Supervisor util (sourced as `. exit_portal.sh "<label>"`): runs the service only while /etc/portal.yaml lists the label.
#
# Waits (up to EXIT_PORTAL_TIMEOUT, default 120 s) for a non-empty /etc/portal.yaml, which boot stage 65 writes
# (portal-config; caddy's launch script when stage 65 could not). The label is matched as a literal, case-insensitive substring of
# any non-comment line, so a label such as "Instance Portal" matches its `name:` value and its key. When absent the
# service records why in /tmp/supervisor-skip/$PROC_NAME (the portal hides such services) and exits 0 after 6 s,
# which supervisor treats as finished rather than crashed.
vast_portal_label=${1:-}
if [[ -z "$vast_portal_label" ]]; then
    echo "exit_portal.sh: no label given; source it as: . exit_portal.sh \"<label in PORTAL_CONFIG>\"" >&2
    exit 1
fi

if [[ ! "${SERVERLESS:-}" =~ ^[Tt][Rr][Uu][Ee]$ ]]; then
    # Every 0.1 s (upstream waits whole seconds), saying so once a second; the bound is in elapsed seconds.
    vast_portal_since=$SECONDS vast_portal_polls=0
    # (and, at boot, until `portal-config --boot` has finished: it may be rewriting a portal.yaml left from before)
    until [[ -s /etc/portal.yaml && ! -e /run/portal-config.rendering ]]; do
        if ((SECONDS - vast_portal_since >= ${EXIT_PORTAL_TIMEOUT:-120})); then
            echo "ERROR: /etc/portal.yaml is still missing or empty after $((SECONDS - vast_portal_since))s; is caddy failing on PORTAL_CONFIG? (see /var/log/portal/caddy.log)" >&2
            exit 1
        fi
        if ((vast_portal_polls % 10 == 0)); then
            echo "Waiting for /etc/portal.yaml before starting ${PROC_NAME:-service}..."
        fi
        sleep 0.1
        vast_portal_polls=$((vast_portal_polls + 1))
    done
    unset vast_portal_since vast_portal_polls

    if grep -v '^[[:space:]]*#' /etc/portal.yaml | grep -qiF -- "$vast_portal_label"; then
        rm -f "/tmp/supervisor-skip/${PROC_NAME:-service}"
    else
        echo "Skipping ${PROC_NAME:-service} startup ('${vast_portal_label}' is not in /etc/portal.yaml)"
        # A program that runs as another user (syncthing) cannot chmod the folder once root made it (1777 then).
        mkdir -p /tmp/supervisor-skip && { chmod 1777 /tmp/supervisor-skip 2>/dev/null || true; }
        printf '%s\n' "$vast_portal_label" >"/tmp/supervisor-skip/${PROC_NAME:-service}"
        sleep 6
        exit 0
    fi
fi
unset vast_portal_label
