#!/bin/bash
# main-venv.sh: makes /venv/main over the system Python, unless there is one; run at build time by base-image's local main-venv step and by graft.sh.
set -euo pipefail

if [[ ! -x /venv/main/bin/python ]]; then
    # With the system site-packages, so what the image installed with apt (or the upstream image with pip) stays importable.
    echo "main-venv: creating /venv/main over $(command -v python3)"
    python3 -m venv --system-site-packages /venv/main
fi
/venv/main/bin/python --version
