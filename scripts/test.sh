#!/bin/bash
# Runs every test: unit, lint and golden files through Nx, then the end-to-end suites; ends with one tally line.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=0

rm -rf test-output packages/*/test-output tools/*/test-output bench/test-output
mkdir -p test-output
status=0

# The arm64 half of e2e/multi-arch (build under qemu, boot, smoke: about half an hour on one core) starts first and
# runs beside everything below, at a lower priority; e2e/multi-arch/multi-arch.spec.ts, run last, waits for its result.
arm64_result="$PWD/test-output/multi-arch/arm64-chain.json"
mkdir -p "$(dirname "$arm64_result")"
echo "==> arm64 job in the background (progress: ${arm64_result}.log)"
setsid nice -n 10 node_modules/.bin/tsx e2e/multi-arch/arm64-chain.ts "$arm64_result" </dev/null >/dev/null 2>&1 &
arm64_job=$!
trap 'kill -- -"$arm64_job" 2>/dev/null || true' EXIT
export VAST_E2E_ARM64_RESULT="$arm64_result"

echo "==> assemble and lint every image context (nx run-many -t build lint)"
npx nx run-many -t build lint --outputStyle=stream || status=1

echo "==> project boundaries (nx run-many -t eslint: @nx/enforce-module-boundaries)"
npx nx run-many -t eslint --outputStyle=stream || status=1

echo "==> formatting (prettier --check, settings in .prettierrc)"
npx prettier --check . --log-level warn || status=1

echo "==> type check (tsc, no emit)"
npx tsc -p tsconfig.json || status=1
npx tsc -p packages/portal/tsconfig.json || status=1
npx tsc -p packages/portal/src/public/tsconfig.json || status=1
npx tsc -p packages/provisioner/tsconfig.json || status=1

echo "==> unit tests and golden files (nx run-many -t test)"
npx nx run-many -t test --skip-nx-cache --outputStyle=stream -- --reporter=default --reporter=json --outputFile=test-output/vitest.json || status=1

echo "==> end-to-end suites (e2e/)"
npx vitest run --config e2e/vitest.config.mts --reporter=default --reporter=json --outputFile="$PWD/test-output/e2e.json" || status=1

node scripts/tally.mjs
exit "$status"
