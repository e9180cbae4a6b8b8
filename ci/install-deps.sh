#!/usr/bin/env bash
# Install the host tools cardmesh's build and end-to-end tests need (Debian 12, as root):
#   docker.io (Engine 20.10), docker-compose (v1), debootstrap, redis-server, wrk, and
#   chromium + chromium-driver (the preview page's browser tests, tests/browser/).
# Where the Docker CLI has no `docker compose` (Compose v2 is not packaged for Debian 12), it
# installs a CLI plugin that runs docker-compose v1 under that name, so the README's compose
# commands run as written (docker-compose v1 reads the same compose file).
# Idempotent: tools already on PATH are skipped; apt-get update runs at most once.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a   # needrestart (a docker.io recommend) must never prompt

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: must run as root" >&2
    exit 1
fi

# package name -> command that proves it is installed
declare -A CMD_OF=(
    [docker.io]=dockerd
    [docker-compose]=docker-compose
    [debootstrap]=debootstrap
    [redis-server]=redis-server
    [wrk]=wrk
    [chromium]=chromium
    [chromium-driver]=chromedriver
)
# fixed order for readable output
PKGS=(docker.io docker-compose debootstrap redis-server wrk chromium chromium-driver)

missing=()
for pkg in "${PKGS[@]}"; do
    cmd=${CMD_OF[$pkg]}
    if command -v "$cmd" >/dev/null 2>&1; then
        echo "install-deps: $pkg present ($(command -v "$cmd"))"
    else
        echo "install-deps: $pkg missing (no '$cmd' on PATH)"
        missing+=("$pkg")
    fi
done

# `docker compose` for a Docker CLI without the Compose v2 plugin: docker-compose v1 under
# that name (a CLI plugin answers `docker-cli-plugin-metadata`, then gets its own name first).
compose_plugin() {
    local dir=/usr/local/lib/docker/cli-plugins
    if docker compose version >/dev/null 2>&1; then return; fi
    command -v docker-compose >/dev/null || return 0
    mkdir -p "$dir"
    cat >"$dir/docker-compose" <<'PLUGIN'
#!/bin/sh
# `docker compose` as docker-compose v1 (installed by cardmesh's ci/install-deps.sh).
if [ "$1" = docker-cli-plugin-metadata ]; then
    echo '{"SchemaVersion":"0.1.0","Vendor":"cardmesh","Version":"v1","ShortDescription":"docker-compose v1 as docker compose"}'
    exit 0
fi
shift
exec docker-compose "$@"
PLUGIN
    chmod 755 "$dir/docker-compose"
    echo "install-deps: \`docker compose\` runs docker-compose v1 ($dir/docker-compose)"
}

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: nothing to install"
    compose_plugin
    exit 0
fi

# Another apt/dpkg run (e.g. one started in the background) holds the dpkg lock;
# wait for it instead of failing.
wait_for_apt() {
    local deadline=$((SECONDS + 600))
    while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do
        if (( SECONDS > deadline )); then
            echo "install-deps: another apt/dpkg process is still running after 600 s" >&2
            pgrep -a 'apt|dpkg' >&2 || true
            exit 1
        fi
        echo "install-deps: waiting for another apt/dpkg process to finish..."
        sleep 5
    done
}

wait_for_apt
echo "install-deps: apt-get update"
apt-get update -q
echo "install-deps: apt-get install ${missing[*]}"
apt-get install -y -q "${missing[@]}"

# Verify
for pkg in "${missing[@]}"; do
    cmd=${CMD_OF[$pkg]}
    if ! command -v "$cmd" >/dev/null 2>&1; then
        echo "install-deps: $pkg installed but '$cmd' is still not on PATH" >&2
        exit 1
    fi
done
echo "install-deps: installed ${missing[*]}"
compose_plugin
