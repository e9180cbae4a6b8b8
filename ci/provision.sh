#!/usr/bin/env bash
# One-shot provisioning of a fresh CI machine (Debian 12, 2 cores, root, no container
# registry): the system packages, the Docker daemon, the base images. A contributor's machine
# does not need this; the test suites that need a part name it when it is missing.
#
#   ci/provision.sh    # packages (ci/install-deps.sh), dockerd (ci/start-docker.sh), base images
#                      # (ci/build-base-images.sh); each part is skipped when already done
#
# .ci/run starts it in the background, beside the build, and `cargo xtask test` awaits it
# (CARDMESH_PROVISION_STATUS names the file this script's exit status is written to).
# As root every part runs (each is idempotent); otherwise a part runs only when its check
# fails, through sudo when there is one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

# unless_done CHECK COMMAND...: as root, runs COMMAND. Otherwise COMMAND runs only when the
# shell test CHECK fails, through sudo when there is one.
unless_done() {
    local check=$1
    shift
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif eval "$check"; then echo "already done ($check); not root, so $1 is skipped"
    elif command -v sudo >/dev/null; then sudo --preserve-env=DEBIAN_FRONTEND,PATH "$@"
    else echo "provision: $1 needs root (no sudo here); run ci/provision.sh as root" >&2; return 1
    fi
}
have_tools() {
    local c
    for c in dockerd docker-compose debootstrap redis-server wrk; do command -v "$c" >/dev/null || return 1; done
    docker compose version >/dev/null 2>&1
}
# redis:7 and the exact tag docker-compose.yml pins (ci/build-base-images.sh adds it).
redis_pin() { sed -n 's/^ *image: *\(redis:[0-9][^ ]*\) *$/\1/p' docker-compose.yml | head -n 1; }
have_base_images() {
    docker image inspect debian:bookworm-slim redis:7 "$(redis_pin | grep . || echo redis:7)" \
        cardmesh/node-base:local cardmesh/python-base:local >/dev/null 2>&1
}

unless_done have_tools ci/install-deps.sh
unless_done 'docker info >/dev/null 2>&1' ci/start-docker.sh
unless_done have_base_images ci/build-base-images.sh
