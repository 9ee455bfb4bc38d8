#!/bin/bash
# Supervisor util (sourced by launch scripts): on serverless workers (SERVERLESS=true) the service does not run.
#
# Exits 0 after 6 s: supervisor counts a run longer than startsecs that exits 0 as done, not as a crash.
if [[ "${SERVERLESS:-}" =~ ^[Tt][Rr][Uu][Ee]$ ]]; then
    echo "Skipping ${PROC_NAME:-service} startup (serverless)"
    sleep 6
    exit 0
fi
