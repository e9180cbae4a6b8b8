#!/usr/bin/env bash
# Tests the TypeScript kit and every TypeScript card service (services/*/package.json on
# @cardmesh/kit), from their committed lock files: `npm ci`, the linter (`tsc --noEmit`,
# strict) and `npm test` (node's test runner; the kit's tests start the real gateway binary).
#
#   scripts/test-typescript.sh
#   CARDMESH_GATEWAY_BIN=/path/to/cardmesh-gateway scripts/test-typescript.sh
#
# The gateway binary defaults to target/debug/cardmesh-gateway; it is built when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "test-typescript: $*"; }

if [[ -z ${CARDMESH_GATEWAY_BIN:-} && ! -x target/debug/cardmesh-gateway ]]; then
    log "cargo build --workspace --bins (the kit's tests run against the gateway)"
    cargo build --locked -q --workspace --bins
fi

run() {
    local dir=$1 t0=$SECONDS
    log "$dir: npm ci, lint, test"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && npm run -s lint && npm test)
    log "$dir: passed in $((SECONDS - t0))s"
}

run kits/typescript
for dir in services/*/; do
    dir=${dir%/}
    if [[ -f $dir/package.json ]] && grep -q '"@cardmesh/kit"' "$dir/package.json"; then
        run "$dir"
    fi
done
