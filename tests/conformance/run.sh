#!/usr/bin/env bash
# Conformance suite: cards built with Plain's own builders (@team-plain/ui-components@5.0.0,
# pinned with its lock file) against cardmesh's validator and the Rust kit.
#   tests/conformance/run.sh     (from anywhere; needs Node 20, npm and cargo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(cd ../.. && pwd)

# The binaries the suite calls, unless given (CARDMESH_GATEWAY, CARDMESH_CONFORMANCE_CARDS).
if [[ -z ${CARDMESH_GATEWAY:-} || -z ${CARDMESH_CONFORMANCE_CARDS:-} ]]; then
    (cd "$ROOT" && cargo build --locked -p cardmesh-gateway --bin cardmesh-gateway \
        && cargo build --locked -p cardmesh-tests --example conformance_cards)
fi

npm ci --no-audit --no-fund
npm run lint
node --test
