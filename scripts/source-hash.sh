#!/usr/bin/env bash
# Prints the hash of the sources the project's images are built from: the workspace
# manifests and Cargo.lock, every file of the crates that go into the binaries, the
# TypeScript and Python kits and services, the Dockerfiles and certs/ (tests, examples,
# snapshots and Markdown left out). Uncommitted changes count.
#
# scripts/build-images.sh labels every image it builds with it (`cardmesh.source-hash`), and
# the end-to-end tests (tests/src/containers.rs) run this script and refuse an image whose
# label differs: it was built from other sources.
#
#   scripts/source-hash.sh            # the hash (64 hex digits)
#   scripts/source-hash.sh --files    # the files it covers
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PATHS=(Cargo.toml Cargo.lock proto rules telemetry gateway services kits certs
       docker/Dockerfile docker/missing-binary.sh docker/node.Dockerfile docker/python.Dockerfile)
# Not in any image: the scaffolding CLI, tests, test snapshots, installed packages.
SKIP='(^|/)(tests|test|examples|snapshots|node_modules|kubernetes)/|\.md$|^cli/'

files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Tracked and new (not ignored) files; deleted ones that are still tracked are skipped.
        git ls-files -z --cached --others --exclude-standard -- "${PATHS[@]}" \
            | while IFS= read -r -d '' f; do [[ -f $f ]] && printf '%s\n' "$f"; done
    else
        find "${PATHS[@]}" -type f -not -path '*/target/*' 2>/dev/null
    fi | grep -Ev "$SKIP" | LC_ALL=C sort -u
}

if [[ ${1:-} == --files ]]; then files; exit 0; fi
# One line per file, "<content hash>  <path>", then the hash of those lines.
files | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
