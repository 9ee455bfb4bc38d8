#!/bin/bash
# Boot stage 55 (sourced by boot_default.sh): makes sure /etc/instance.{crt,key} is a usable pair, self-signing one if not.
#
# Caddy serves TLS with this pair when ENABLE_HTTPS=true. A usable pair provided by the platform is
# kept; otherwise (and unless --no-cert-gen) a self-signed one is made offline with openssl. When no
# usable pair exists afterwards, ENABLE_HTTPS=false is exported so Caddy serves plain HTTP instead
# of failing to start.
tls_self_sign() {
    local crt=$1 key=$2 dir
    dir=$(mktemp -d) || return 1
    if openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
        -subj "/CN=vast-instance" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:0.0.0.0" \
        -keyout "${dir}/key" -out "${dir}/crt" 2>/dev/null; then
        install -m 0600 "${dir}/key" "$key" && install -m 0644 "${dir}/crt" "$crt"
    fi
    local status=$?
    rm -rf "$dir"
    return "$status"
}

stage_tls_cert() {
    local crt=/etc/instance.crt key=/etc/instance.key usable=0
    cert-usable "$crt" "$key" 2>/dev/null || usable=$?

    if ((usable != 0)) && [[ "${generate_tls_cert:-true}" == true ]]; then
        if command -v openssl >/dev/null 2>&1 && tls_self_sign "$crt" "$key"; then
            echo "self-signed $(date -u +%Y-%m-%dT%H:%M:%SZ)" >/etc/.instance-cert-selfsigned
            echo "[tls] no usable certificate: made a self-signed one (${crt})"
            usable=0
            cert-usable "$crt" "$key" || usable=$?
        else
            echo "[tls] could not create a self-signed certificate" >&2
        fi
    fi

    # 3 = expired but matching: still usable for TLS (browsers warn either way on self-signed).
    if ((usable != 0 && usable != 3)); then
        export ENABLE_HTTPS=false
        echo "[tls] no usable certificate: HTTPS is off"
    fi
}

stage_tls_cert
