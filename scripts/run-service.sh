#!/usr/bin/env bash
# Runs one card service from services/<NAME>/ in the foreground, whatever its language, on
# CARDMESH_SERVICE_LISTEN (default 127.0.0.1:50051). scripts/dev.sh starts every service
# through this script.
#
#   scripts/run-service.sh billing                        # build it if needed, then run it
#   CARDMESH_SERVICE_LISTEN=127.0.0.1:50060 scripts/run-service.sh shipping
#   scripts/run-service.sh --list                         # the card services, one name a line
#   scripts/run-service.sh --list rust                    # only those of one kind
#   scripts/run-service.sh --kind billing                 # rust, node or python
#   scripts/run-service.sh --no-build billing             # skip the build (dev.sh built it)
#
# The kind comes from the manifest in the service's folder:
#   Cargo.toml      rust    a workspace crate with a binary that uses cardmesh-kit; built with
#                           `cargo build --workspace --bins` (the build dev.sh does, so both
#                           share one set of artifacts), run from cargo's target directory
#                           (CARGO_TARGET_DIR and a symlinked target/ work)
#   package.json    node    TypeScript/Node services
#   pyproject.toml  python  Python services
# A kind's runner is the pair of functions <kind>_build and <kind>_exec below; the service's
# process replaces this script (exec), so its pid is the one the caller started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

me=run-service
die() { echo "$me: $*" >&2; exit 1; }

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi

# --- what is a card service ----------------------------------------------------------------

# kind_of DIR: prints rust, node or python (from the manifest), or nothing.
kind_of() {
    if [[ -f $1/Cargo.toml ]]; then echo rust
    elif [[ -f $1/package.json ]]; then echo node
    elif [[ -f $1/pyproject.toml ]]; then echo python
    fi
}

# The workspace members under services/, in the order of `members` in Cargo.toml.
rust_members() {
    awk '/^members[[:space:]]*=[[:space:]]*\[/ {on=1} on {print} on && /\]/ {exit}' Cargo.toml \
        | { grep -o '"services/[^"/]*"' || true; } | tr -d '"' | sed 's|^services/||'
}

# Package name and binary of a Rust service: `name` of [package], and its [[bin]] of the same
# name, else its only [[bin]], else the package name when src/main.rs exists.
rust_package() {
    awk -F'"' '/^\[/ {section=$0} section=="[package]" && /^name[[:space:]]*=/ {print $2; exit}' "$1/Cargo.toml"
}
rust_binary() {
    local dir=$1 package bins
    package=$(rust_package "$dir")
    bins=$(awk -F'"' '/^\[/ {section=$0} section=="[[bin]]" && /^name[[:space:]]*=/ {print $2}' "$dir/Cargo.toml")
    if grep -qx -- "$package" <<<"$bins"; then echo "$package"
    elif [[ -n $bins && $(wc -l <<<"$bins") -eq 1 ]]; then echo "$bins"
    elif [[ -z $bins && -f $dir/src/main.rs ]]; then echo "$package"
    fi
}

# A Rust card service: a binary that depends on cardmesh-kit (not the kit, not the CLI).
rust_is_card_service() {
    [[ -n $(rust_binary "$1") ]] && grep -Eq '^cardmesh-kit([[:space:]]*=|\.)' "$1/Cargo.toml"
}

# Every card service: the Rust workspace members in their order, then the others by name.
list_services() {
    local filter=${1:-} name kind
    {
        rust_members
        for dir in services/*/; do
            name=$(basename "$dir")
            if [[ $(kind_of "$dir") != rust ]]; then echo "$name"; fi
        done
    } | while read -r name; do
        kind=$(kind_of "services/$name")
        [[ -n $kind && ( -z $filter || $filter == "$kind" ) ]] || continue
        if "${kind}_is_card_service" "services/$name"; then echo "$name"; fi
    done
}

# --- runners: <kind>_build DIR, <kind>_exec DIR ----------------------------------------------

cargo_target_dir() {
    # cargo's own answer: CARGO_TARGET_DIR, build.target-dir of a config file, or <root>/target.
    cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | grep -o '"target_directory":"[^"]*"' | head -n1 | sed 's/^"target_directory":"//; s/"$//'
}

rust_check_member() {
    local name
    name=$(basename "$1")
    rust_members | grep -qx -- "$name" \
        || die "$1 is not a workspace member: add \"$1\" to members in Cargo.toml"
    [[ -n $(rust_binary "$1") ]] || die "$1/Cargo.toml has no binary ([[bin]] or src/main.rs)"
}

rust_build() {
    rust_check_member "$1"
    command -v cargo >/dev/null || die "cargo not found (install Rust: https://rustup.rs)"
    echo "$me: cargo build --workspace --bins" >&2
    cargo build --workspace --bins >&2
}

rust_exec() {
    rust_check_member "$1"
    local target bin
    target=$(cargo_target_dir)
    [[ -n $target ]] || die "cargo metadata did not name the target directory"
    bin=$target/debug/$(rust_binary "$1")
    [[ -x $bin ]] || die "$bin is missing; run without --no-build"
    exec "$bin"
}

# TypeScript services on kits/typescript: node_is_card_service, node_build, node_exec.
# shellcheck source=lib/node-service.sh
source scripts/lib/node-service.sh
# Python services: python_is_card_service, python_build and python_exec.
# shellcheck source=lib/python-service.sh
source scripts/lib/python-service.sh

# --- command line ----------------------------------------------------------------------------

usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "${BASH_SOURCE[0]}"; }

build=1
case "${1:-}" in
    --list) list_services "${2:-}"; exit 0 ;;
    --kind)
        [[ -n ${2:-} && -d services/${2:-} ]] || die "--kind NAME: no folder services/${2:-}"
        kind_of "services/$2"; exit 0 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac
[[ $# -eq 1 ]] || { usage >&2; exit 2; }

name=$1
dir=services/$name
if [[ ! -d $dir ]]; then
    die "no service $name: services/$name does not exist (card services: $(list_services | paste -sd, - | sed 's/,/, /g'))"
fi
kind=$(kind_of "$dir")
[[ -n $kind ]] || die "$dir has no Cargo.toml, package.json or pyproject.toml"
"${kind}_is_card_service" "$dir" || die "$dir is not a card service (no binary using cardmesh-kit)"

export CARDMESH_SERVICE_LISTEN=${CARDMESH_SERVICE_LISTEN:-127.0.0.1:50051}
if [[ $build == 1 ]]; then "${kind}_build" "$dir"; fi
echo "$me: $name ($kind) on $CARDMESH_SERVICE_LISTEN" >&2
"${kind}_exec" "$dir"
