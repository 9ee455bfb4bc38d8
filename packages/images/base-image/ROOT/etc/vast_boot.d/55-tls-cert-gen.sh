#!/bin/bash
# Boot stage 55 (sourced by boot_default.sh): makes sure /etc/instance.{crt,key} is a usable pair, as upstream does.
#
# Caddy serves TLS with this pair when ENABLE_HTTPS=true. A usable pair is kept. Otherwise (and unless --no-cert-gen)
# a new key and CSR are made and the CSR is sent to the Vast console for signing; when the console does not answer
# with a certificate for that key, the pair is self-signed and /etc/.instance-cert-selfsigned counts the attempt,
# so later boots ask again, up to 3 times. When no usable pair exists afterwards, ENABLE_HTTPS=false is exported so
# Caddy serves plain HTTP instead of failing to start.
#
# VAST_CERT_SIGN_URL (ours; the tests point it at a stand-in) replaces the console's signing endpoint. Without an
# instance id (CONTAINER_ID, or VAST_CONTAINERLABEL without its C.) the instance is not on Vast and nothing is sent.

tls_write_san_config() {
    local cnf=$1
    grep -qs vast "$cnf" && return 0
    cat >"$cnf" <<'CNF'
[req]
default_bits = 2048
distinguished_name = req_distinguished_name
req_extensions = v3_req

[req_distinguished_name]
countryName = US
stateOrProvinceName = CA
organizationName = Vast.ai Inc.
commonName = vast.ai

[v3_req]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment
subjectAltName = @alt_names

[alt_names]
IP.1 = 0.0.0.0
CNF
}

# Sends the CSR for signing; installs the answer only if it is a certificate for our key. Returns 1 otherwise.
tls_request_signature() {
    local crt=$1 key=$2 csr=$3 id=$4 answer
    [[ -n "$id" ]] || {
        echo "[tls] no instance id (CONTAINER_ID or VAST_CONTAINERLABEL): not on Vast, not asking the console to sign"
        return 1
    }
    answer=$(mktemp) || return 1
    if curl -fsS --retry 3 --retry-connrefused --retry-delay 2 --max-time 30 \
        -H 'Content-Type: application/octet-stream' --data-binary "@${csr}" -o "$answer" \
        "${VAST_CERT_SIGN_URL:-https://console.vast.ai/api/v0/sign_cert/}?instance_id=${id}" &&
        cert-usable "$answer" "$key"; then
        install -m 0644 "$answer" "$crt"
        rm -f "$answer"
        return 0
    fi
    echo "[tls] the signing request failed or did not return a certificate for this key" >&2
    rm -f "$answer"
    return 1
}

stage_tls_cert() {
    local crt=/etc/instance.crt key=/etc/instance.key csr=/etc/instance.csr cnf=/etc/openssl-san.cnf
    local marker=/etc/.instance-cert-selfsigned usable=0 attempts=0 probe_rc=0 probe_out

    # A broken helper would judge every pair wrong (or right): trust nothing and serve plain HTTP.
    probe_out=$(cert-usable /nonexistent.crt /nonexistent.key 2>&1) || probe_rc=$?
    if ((probe_rc != 1)) || [[ "$probe_out" != cert-usable:* ]]; then
        echo "[tls] cert-usable does not work (exit ${probe_rc}): HTTPS is off" >&2
        export ENABLE_HTTPS=false
        return 0
    fi

    cert-usable "$crt" "$key" 2>/dev/null || usable=$?
    if [[ -f "$marker" ]]; then
        attempts=$(<"$marker")
        [[ "$attempts" =~ ^[0-9]+$ ]] || attempts=1
        ((attempts <= 3)) || attempts=3
    fi

    if [[ "${generate_tls_cert:-true}" == true ]] && { [[ ! -s "$key" ]] || ((usable != 0)) || { [[ -f "$marker" ]] && ((attempts < 3)); }; }; then
        tls_write_san_config "$cnf"
        local dir
        dir=$(mktemp -d) || return 0
        if openssl req -new -newkey rsa:2048 -nodes -sha256 -config "$cnf" -subj "/C=US/ST=CA/CN=jupyter.vast.ai/" \
            -keyout "${dir}/key" -out "$csr" 2>/dev/null && install -m 0600 "${dir}/key" "$key"; then
            if tls_request_signature "$crt" "$key" "$csr" "${CONTAINER_ID:-${VAST_CONTAINERLABEL#C.}}"; then
                rm -f "$marker"
                echo "Instance certificate signed by the Vast console"
            elif openssl x509 -req -in "$csr" -signkey "$key" -days 365 -sha256 -extensions v3_req -extfile "$cnf" \
                -out "${dir}/crt" 2>/dev/null && install -m 0644 "${dir}/crt" "$crt"; then
                attempts=$((attempts < 3 ? attempts + 1 : 3))
                echo "$attempts" >"$marker"
                if ((attempts < 3)); then
                    echo "[tls] self-signed ${crt}: attempt ${attempts}/3; will retry next boot"
                else
                    echo "[tls] self-signed ${crt}: attempt ${attempts}/3; giving up — keeping the self-signed cert"
                fi
            else
                echo "[tls] could not self-sign ${crt}" >&2
            fi
        else
            echo "[tls] could not create a key and signing request" >&2
        fi
        rm -rf "$dir"
        usable=0
        cert-usable "$crt" "$key" || usable=$?
    fi

    if ((usable == 3)); then
        echo "[tls] ${crt} has expired but matches its key: serving it anyway. For a new one, delete ${crt}, ${key} and ${marker}, then restart the instance." >&2
    fi
    # 3 = expired but matching: still usable for TLS (browsers warn either way on self-signed).
    if [[ ! -s "$key" ]] || ((usable != 0 && usable != 3)); then
        export ENABLE_HTTPS=false
        echo "[tls] no usable certificate: HTTPS is off"
    fi
}

# Only Caddy serves the pair, and only with ENABLE_HTTPS=true: then it must be ready before 65 renders the Caddyfile.
# With HTTPS off (the default) nothing at boot reads it, so boot_background (boot_default.sh) makes it beside the stages
# that follow instead of holding every service back for a key generation; ENABLE_HTTPS stays as it was (off).
stage_tls_cert_start() {
    local https=${ENABLE_HTTPS:-}
    if [[ "${https,,}" == true ]]; then
        stage_tls_cert
    else
        boot_background stage_tls_cert
    fi
}

stage_tls_cert_start
