#!/usr/bin/env bash
# Install the host tools cardmesh's build and end-to-end tests need (Debian 12, as root):
#   docker.io (Engine 20.10), docker-compose (v1), debootstrap, redis-server, wrk, and
#   chromium + chromium-driver (the preview page's browser tests, tests/browser/).
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

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: nothing to install"
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
