#!/usr/bin/env bash
# The preview page's browser tests: Debian's Chromium, headless, driven by playwright-core
# (pinned in package-lock.json), against the real gateway and example services started as
# processes.
#
#   tests/browser/run.sh                 # builds the debug binaries, then runs the suite
#   CARDMESH_GATEWAY_BIN=target/release/cardmesh-gateway \
#   CARDMESH_SERVICE_BIN_DIR=target/release tests/browser/run.sh   # other binaries, no build
#   CHROMIUM_BIN=/usr/bin/chromium       # the browser (default)
#
# Artefacts: target/browser/preview.png (screenshot) and target/browser/logs/*.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

chromium="${CHROMIUM_BIN:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "browser tests: no Chromium at $chromium (apt-get install -y chromium chromium-driver, or set CHROMIUM_BIN)" >&2; exit 1; }
command -v node >/dev/null || { echo "browser tests: node (20) is missing" >&2; exit 1; }

if [[ -z "${CARDMESH_GATEWAY_BIN:-}" && -z "${CARDMESH_SERVICE_BIN_DIR:-}" ]]; then
  echo "==> building the gateway and the example services (debug)"
  (cd "$root" && cargo build --locked --quiet --workspace --bins)
fi

cd "$here"
echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "==> lint (tsc --noEmit, checkJs)"
npm run --silent lint
echo "==> node --test"
npm test
