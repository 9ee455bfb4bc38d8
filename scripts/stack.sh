#!/bin/bash
# The main job on a fresh machine: build the offline stack (local Debian root -> local base image), check its
# runtime contract, and leave one instance running on 127.0.0.1 with the portal and Jupyter behind Caddy's auth.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

NAME=${STACK_CONTAINER:-vast-local-stack}
TOKEN=${OPEN_BUTTON_TOKEN:-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}
PORTAL_CONFIG=${PORTAL_CONFIG:-"localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter|localhost:8080:8080:/terminals/1:Jupyter Terminal"}

echo "==> local Debian root (debootstrap + docker import; skipped when present)"
npx nx run base-image:local-root

echo "==> build, lint and docker-build -c local (content-addressed: a re-run skips unchanged builds)"
npx nx run base-image:lint
npx nx run base-image:docker-build -c local

echo "==> smoke: boot a container and check the runtime contract"
npx nx run base-image:smoke -c local

IMAGE=$(node -e 'const r = require("./dist/builds/base-image/build-result.json"); console.log(r.variants.find((v) => v.key === "local").buildTag)')
echo "==> starting $NAME from $IMAGE"
docker rm -f "$NAME" >/dev/null 2>&1 || true
docker run -d --name "$NAME" \
  -p 127.0.0.1:1111:1111 -p 127.0.0.1:8080:8080 \
  -e OPEN_BUTTON_TOKEN="$TOKEN" -e PORTAL_CONFIG="$PORTAL_CONFIG" \
  "$IMAGE" >/dev/null
for _ in $(seq 1 90); do
  code=$(docker exec "$NAME" curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" http://127.0.0.1:1111/ 2>/dev/null || true)
  [[ "$code" == 200 ]] && break
  sleep 1
done
[[ "${code:-}" == 200 ]] || { echo "the portal did not answer in 90s; docker logs $NAME:" >&2; docker logs --tail 50 "$NAME" >&2; exit 1; }

cat <<INFO

The stack is up (container $NAME):
  Instance Portal  http://127.0.0.1:1111/?token=$TOKEN
  Jupyter          http://127.0.0.1:8080/?token=$TOKEN
  Stop it with     docker rm -f $NAME
INFO
