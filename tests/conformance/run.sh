#!/usr/bin/env bash
# Conformance suite: cards built with Plain's own builders (@team-plain/ui-components@5.0.0,
# pinned with its lock file) against cardmesh's validator and the Rust kit.
#   tests/conformance/run.sh     (from anywhere; needs Node 20, npm and cargo)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(cd ../.. && pwd)

# The binaries the suite calls, unless given (CARDMESH_GATEWAY, CARDMESH_CONFORMANCE_CARDS).
if [[ -z ${CARDMESH_GATEWAY:-} || -z ${CARDMESH_CONFORMANCE_CARDS:-} ]]; then
    # A workspace build (not `-p`): dependencies resolve with the workspace's features, so the
    # artifacts of `cargo build --workspace` and `cargo test --workspace` are reused.
    (cd "$ROOT" && cargo build --locked --workspace --bin cardmesh-gateway --example conformance_cards)
fi

npm ci --no-audit --no-fund
npm run lint
node --test
