#!/usr/bin/env bash
# Runs one card service from services/<NAME>/ in the foreground, whatever its language, on
# CARDMESH_SERVICE_LISTEN (default 127.0.0.1:50051).
#
#   scripts/run-service.sh feedback
#   CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 scripts/run-service.sh billing
#   scripts/run-service.sh --list            # the card services, one name a line
#
# The kind comes from the manifest in the service's folder: Cargo.toml (a workspace crate,
# built with cargo and run from target/debug/) or pyproject.toml (a Python package on
# kits/python, see scripts/lib/python-service.sh). The service's process replaces this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "run-service: $*" >&2; exit 1; }

kind_of() {
    if [[ -f $1/Cargo.toml ]]; then echo rust
    elif [[ -f $1/pyproject.toml ]]; then echo python
    fi
}

# shellcheck source=lib/python-service.sh
source scripts/lib/python-service.sh

rust_is_card_service() { grep -Eq '^cardmesh-kit([[:space:]]*=|\.)' "$1/Cargo.toml" && [[ -f $1/src/main.rs ]]; }
rust_package() { awk -F'"' '/^\[/ {s=$0} s=="[package]" && /^name[[:space:]]*=/ {print $2; exit}' "$1/Cargo.toml"; }

list_services() {
    local dir kind
    for dir in services/*/; do
        dir=${dir%/}
        kind=$(kind_of "$dir")
        [[ -n $kind ]] && "${kind}_is_card_service" "$dir" && basename "$dir"
    done
    return 0
}

case "${1:-}" in
    --list) list_services; exit 0 ;;
    "" | -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 2 ;;
esac
dir=services/$1
[[ -d $dir ]] || die "no service $1: services/$1 does not exist (card services: $(list_services | paste -sd, -))"
kind=$(kind_of "$dir")
[[ -n $kind ]] && "${kind}_is_card_service" "$dir" || die "$dir is not a card service"
export CARDMESH_SERVICE_LISTEN=${CARDMESH_SERVICE_LISTEN:-127.0.0.1:50051}
echo "run-service: $1 ($kind) on $CARDMESH_SERVICE_LISTEN" >&2
case $kind in
    python)
        python_build "$dir"
        python_exec "$dir"
        ;;
    rust)
        package=$(rust_package "$dir")
        cargo build -q -p "$package"
        exec target/debug/"$package"
        ;;
esac
