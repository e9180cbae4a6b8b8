#!/usr/bin/env bash
# The one test command: all the set-up the tests need, then every suite, with the time each
# step took. It is what CI runs (.ci/run calls exactly this).
#
#   scripts/test.sh                       # everything, from a fresh Debian 12 machine with cargo
#   scripts/test.sh --list                # the steps, in order
#   scripts/test.sh --only cargo-test     # some steps (comma-separated names from --list)
#   scripts/test.sh --skip fuzz,deps      # all steps but these
#
# Set-up steps are idempotent and fast once done: installed tools, a running daemon and
# existing base images are skipped, and cargo and Docker rebuild only what changed. Installing
# system packages and starting dockerd need root (sudo is used when available).
#
# A suite is one `step` line at the end of this file: a name, what it does, the command, e.g.
#   step conformance "the Node conformance suite" tests/conformance/run.sh
# Steps run in the order of those lines; the first failure stops the run and is named.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
# cargo/rustc (rustup) live in ~/.cargo/bin, which a non-login shell may not have on PATH.
CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi

# A CI run builds once from scratch: incremental state would only add gigabytes to its disk.
if [[ ${CI:-} == true ]]; then export CARGO_INCREMENTAL=0; fi

only= skip= list=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --list) list=1; shift ;;
        --only) only=,${2:?--only needs step names},; shift 2 ;;
        --skip) skip=,${2:?--skip needs step names},; shift 2 ;;
        -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
        *) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

# unless_done CHECK COMMAND...: as root, runs COMMAND (every set-up script is idempotent).
# Otherwise COMMAND runs only when the shell test CHECK fails, through sudo when there is one.
unless_done() {
    local check=$1
    shift
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif eval "$check"; then echo "already done ($check); not root, so $1 is skipped"
    elif command -v sudo >/dev/null; then sudo --preserve-env=DEBIAN_FRONTEND,PATH "$@"
    else echo "test.sh: $1 needs root (no sudo here); run scripts/test.sh as root" >&2; return 1
    fi
}
have_tools() { local c; for c in dockerd docker-compose debootstrap redis-server wrk; do command -v "$c" >/dev/null || return 1; done; }
toolchain() { command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs)" >&2; return 1; }; cargo --version; rustc --version; }

# Formatting (rustfmt.toml) and every clippy warning of the workspace, tests and examples
# included, as errors. Adds the two rustup components when the toolchain lacks them.
lint() {
    if command -v rustup >/dev/null; then
        rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
        rustup component list --installed | grep -q '^clippy' || rustup component add clippy
    fi
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings
}

# disk_free: the space left where cargo and Docker write, for the step lines (a full disk is
# the likeliest cause of a build failing for no reason of its own).
disk_free() {
    local docker_root
    docker_root=$(docker info -f '{{.DockerRootDir}}' 2>/dev/null || true)
    printf 'free: %s here' "$(avail .)"
    [[ -z $docker_root || ! -d $docker_root ]] || printf ', %s in %s' "$(avail "$docker_root")" "$docker_root"
}
avail() { df -h --output=avail "$1" | tail -1 | tr -d ' '; }

T_START=$SECONDS
CURRENT=
SUMMARY=()
summary() { [[ ${#SUMMARY[@]} -eq 0 ]] || { printf '\n==== steps:\n'; printf '  %s\n' "${SUMMARY[@]}"; }; }
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 && -n $CURRENT ]]; then
        summary
        printf '\n==== TESTS FAILED (exit %s) in step %s, after %ss (%s)\n' "$rc" "$CURRENT" "$((SECONDS - T_START))" "$(disk_free)" >&2
    fi
}
trap on_exit EXIT

# step NAME DESCRIPTION COMMAND...: runs COMMAND (unless filtered out) with its timing.
step() {
    local name=$1 what=$2 t0
    shift 2
    if [[ $list == 1 ]]; then printf '%-14s %s\n' "$name" "$what"; return; fi
    if [[ -n $only && $only != *",$name,"* ]] || [[ $skip == *",$name,"* ]]; then
        SUMMARY+=("$(printf '%-14s skipped' "$name")"); return
    fi
    CURRENT=$name
    t0=$SECONDS
    printf '\n==== [%s] %s: %s\n' "$(date -u +%H:%M:%S)" "$name" "$what"
    "$@"
    printf '==== %s: done in %ss (total %ss; %s)\n' "$name" "$((SECONDS - t0))" "$((SECONDS - T_START))" "$(disk_free)"
    SUMMARY+=("$(printf '%-14s %5ss' "$name" "$((SECONDS - t0))")")
    CURRENT=
}

# --- the steps, in order: set-up first, then the suites (add a suite as one line here) -------
step deps        "install Docker, docker-compose, debootstrap, redis-server, wrk when missing" \
    unless_done have_tools scripts/install-deps.sh
step docker      "start the Docker daemon when it is not running" \
    unless_done 'docker info >/dev/null 2>&1' scripts/start-docker.sh
step base-images "base images debian:bookworm-slim, redis:7 (debootstrap, no registry needed)" \
    unless_done 'docker image inspect debian:bookworm-slim redis:7 cardmesh/node-base:local cardmesh/python-base:local >/dev/null 2>&1' scripts/build-base-images.sh
step toolchain   "cargo and rustc versions"                         toolchain
step lint        "cargo fmt --all --check; cargo clippy --workspace --all-targets -D warnings" lint
step buf         "the cardmesh.v1 contract: buf lint + buf breaking against the previous commit" scripts/buf-check.sh
step images      "the project's images (scripts/build-images.sh), labelled with their sources" scripts/build-images.sh
step fuzz        "fuzz smoke run (scripts/fuzz-smoke.sh, 60 s)"     scripts/fuzz-smoke.sh
step conformance "Plain's own builders against the validator and the kit (Node 20)" tests/conformance/run.sh
step browser     "the card preview page in headless Chromium against the real gateway and services" tests/browser/run.sh
step cargo-test  "cargo test --workspace --locked"                  cargo test --workspace --locked
step typescript  "TypeScript kit and services (npm ci, tsc --noEmit, node --test)" scripts/test-typescript.sh
step python      "Python kit and services: ruff, mypy, pytest against the gateway" kits/python/run-tests.sh

if [[ $list == 0 ]]; then
    summary
    skipped=$(printf '%s\n' "${SUMMARY[@]}" | grep -c ' skipped$' || true)
    printf '\n==== TESTS PASSED in %ss%s\n' "$((SECONDS - T_START))" "$( ((skipped == 0)) || echo " ($skipped steps skipped)")"
fi
