#!/usr/bin/env bash
# The one test command: the project's packages, then every suite, with the time each step
# took. It is what CI runs (.ci/run provisions the machine, ci/provision.sh, beside it).
#
#   scripts/test.sh                       # everything, on a machine with cargo and the parts
#   scripts/test.sh --list                # the steps, in order
#   scripts/test.sh --only cargo-test     # some steps (comma-separated names from --list)
#   scripts/test.sh --skip fuzz,deps      # all steps but these
#
# Set-up steps are idempotent and fast once done, and cargo and Docker rebuild only what
# changed. Nothing here needs root: the machine's packages, dockerd and base images are CI's
# provisioning (ci/), not this script's.
#
# One compile serves every step. The `build` step compiles the whole workspace once (dev
# profile, every target, the features of every suite) with clippy as the compiler of the
# workspace's own crates, so that compile is also the lint. Every later step reuses it: the
# images are made from those debug binaries, the Node, Python and browser suites run them,
# and `cargo test` finds its test binaries built. That is why the clippy wrapper stays set for
# the whole run: cargo counts the wrapper in its fingerprints, and a build without it would
# compile the workspace's crates again. Steps marked "(background)" run beside the build:
# they wait on the network or the disk, the build on the CPU. A background step's output is
# printed, whole, when it is awaited.
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

# The features that turn on the suites needing parts beyond cargo (Docker, Redis, Node,
# Python); see CONTRIBUTING.md, Tests. Every cargo command of the run uses them.
FEATURES=cardmesh-tests/external,cardmesh-cli/node
# The images the tests run are made from the debug binaries of the `build` step.
export CARDMESH_IMAGE_PROFILE=debug

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

# The machine's provisioning (packages, the Docker daemon, the base images) is not part of
# this run: it is CI's, in ci/provision.sh, which .ci/run starts beside this script. When
# CARDMESH_PROVISION_STATUS names the file its exit status goes to, the `provision` step waits
# for that file and prints the provisioning's log (CARDMESH_PROVISION_LOG).
provision() {
    local status=${CARDMESH_PROVISION_STATUS:-}
    if [[ -z $status ]]; then
        echo "no provisioning in this run (CARDMESH_PROVISION_STATUS unset): the machine has what the suites need (ci/provision.sh)"
        return 0
    fi
    while [[ ! -s $status ]]; do sleep 1; done
    [[ -z ${CARDMESH_PROVISION_LOG:-} ]] || cat "$CARDMESH_PROVISION_LOG"
    return "$(cat "$status")"
}

# The packages of the Node and Python suites, from their lock files (network and disk).
packages() {
    local dir
    for dir in kits/typescript services/*/ tests/conformance tests/browser; do
        dir=${dir%/}
        [[ -f $dir/package-lock.json ]] || continue
        echo "npm ci in $dir"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    done
    echo "Python environment (kits/python/venv.sh)"
    kits/python/venv.sh
}

toolchain() {
    command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs)" >&2; return 1; }
    if command -v rustup >/dev/null; then
        rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
        rustup component list --installed | grep -q '^clippy' || rustup component add clippy
    fi
    cargo --version; rustc --version
}

# clippy-driver compiles the workspace's own crates from here on (see the top of this file);
# CLIPPY_ARGS is how `cargo clippy -- -D warnings` passes its flags to it.
use_clippy() {
    local driver
    driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver) \
        || { echo "clippy-driver not found (rustup component add clippy)" >&2; return 1; }
    export RUSTC_WORKSPACE_WRAPPER=$driver
    export CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
}

# Formatting (rustfmt.toml), then the one compile of the workspace: every target, every
# suite's features, clippy's warnings as errors.
build() {
    cargo fmt --all --check
    cargo build --locked --workspace --all-targets --features "$FEATURES"
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
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/cardmesh-test.XXXXXX")
declare -A BG_PID=() BG_T0=()
summary() { [[ ${#SUMMARY[@]} -eq 0 ]] || { printf '\n==== steps:\n'; printf '  %s\n' "${SUMMARY[@]}"; }; }
on_exit() {
    local rc=$? name
    for name in "${!BG_PID[@]}"; do kill -- "${BG_PID[$name]}" 2>/dev/null || true; done
    if [[ $rc -ne 0 && -n $CURRENT ]]; then
        summary
        printf '\n==== TESTS FAILED (exit %s) in step %s, after %ss (%s)\n' "$rc" "$CURRENT" "$((SECONDS - T_START))" "$(disk_free)" >&2
    fi
    rm -rf "$LOGS"
}
trap on_exit EXIT

selected() { ! { [[ -n $only && $only != *",$1,"* ]] || [[ $skip == *",$1,"* ]]; }; }
done_line() {
    printf '==== %s: done in %ss (total %ss; %s)\n' "$1" "$((SECONDS - $2))" "$((SECONDS - T_START))" "$(disk_free)"
    SUMMARY+=("$(printf '%-14s %5ss' "$1" "$((SECONDS - $2))")")
}

# step NAME DESCRIPTION COMMAND...: runs COMMAND (unless filtered out) with its timing.
step() {
    local name=$1 what=$2 t0
    shift 2
    if [[ $list == 1 ]]; then printf '%-14s %s\n' "$name" "$what"; return; fi
    if ! selected "$name"; then SUMMARY+=("$(printf '%-14s skipped' "$name")"); return; fi
    CURRENT=$name
    t0=$SECONDS
    printf '\n==== [%s] %s: %s\n' "$(date -u +%H:%M:%S)" "$name" "$what"
    "$@"
    done_line "$name" "$t0"
    CURRENT=
}

# background NAME DESCRIPTION COMMAND...: starts COMMAND now, its output into a log; `await
# NAME` waits for it, prints the log and fails the run if it failed.
background() {
    local name=$1 what=$2
    shift 2
    if [[ $list == 1 ]]; then printf '%-14s %s (background)\n' "$name" "$what"; return; fi
    if ! selected "$name"; then SUMMARY+=("$(printf '%-14s skipped' "$name")"); return; fi
    printf '\n==== [%s] %s: %s (background; output when awaited)\n' "$(date -u +%H:%M:%S)" "$name" "$what"
    BG_T0[$name]=$SECONDS
    # The step's own end, for its time: it may finish long before it is awaited.
    ( rc=0; "$@" || rc=$?; echo "$SECONDS" >"$LOGS/$name.end"; exit "$rc" ) >"$LOGS/$name.log" 2>&1 &
    BG_PID[$name]=$!
}
await() {
    local name=$1 rc=0
    [[ -n ${BG_PID[$name]:-} ]] || return 0
    CURRENT=$name
    wait "${BG_PID[$name]}" || rc=$?
    unset 'BG_PID[$name]'
    printf '\n==== %s: output\n' "$name"
    cat "$LOGS/$name.log"
    [[ $rc == 0 ]] || return "$rc"
    local took=$(($(cat "$LOGS/$name.end") - BG_T0[$name]))
    printf '==== %s: done in %ss, beside the steps above (total %ss; %s)\n' "$name" "$took" "$((SECONDS - T_START))" "$(disk_free)"
    SUMMARY+=("$(printf '%-14s %5ss (background)' "$name" "$took")")
    CURRENT=
}

# --- the steps, in order: set-up first, then the suites (add a suite as one line here) -------
background provision "await CI's provisioning (ci/provision.sh, started by .ci/run): packages, dockerd, base images" provision
background packages "npm ci for every package-lock.json; the Python environment (kits/python/venv.sh)" packages
background kube-tools "kubernetes-validate and checkov (deploy/kubernetes/requirements.lock) into target/kubernetes-tools" scripts/check-kubernetes.sh --install
# Niced: they build in the CPU the build and the suites leave idle (single-crate stretches,
# links, waits on containers); their steps come last.
background audit-tools "the pinned cargo-deny (cargo install, a few minutes) and pip-audit, into target/tools" \
    nice -n 10 scripts/audit.sh --install
background docs-tools "the pinned mdbook (cargo install, a few minutes), into target/tools" \
    nice -n 10 scripts/docs.sh --install
step toolchain   "cargo and rustc versions; rustfmt and clippy"     toolchain
[[ $list == 1 ]] || use_clippy
step build       "cargo fmt --check; one compile of the workspace (all targets, $FEATURES) with clippy -D warnings" build
[[ $list == 1 ]] || { await provision; await packages; }
step codegen     "generated files current: rules/catalogue.json, the Python kit's stubs and catalogue copy (cargo xtask codegen --check)" cargo xtask codegen --check
step buf         "the cardmesh.v1 contract: buf lint + buf breaking against the previous commit" scripts/buf-check.sh
[[ $list == 1 ]] || await kube-tools
step kubernetes  "the Kubernetes manifests, offline: kubectl kustomize, kubernetes-validate, checkov" scripts/check-kubernetes.sh
step images      "the project's images from the debug binaries (scripts/build-images.sh), labelled with their sources" scripts/build-images.sh
step cargo-test  "cargo test --workspace --features $FEATURES"  cargo test --locked --workspace --features "$FEATURES"
step fuzz        "fuzz smoke run (scripts/fuzz-smoke.sh, 60 s)"     scripts/fuzz-smoke.sh
step conformance "Plain's own builders against the validator and the kit (Node 20)" tests/conformance/run.sh
step browser     "the card preview page in headless Chromium against the real gateway and services" tests/browser/run.sh
step typescript  "TypeScript kit and services (npm ci, tsc --noEmit, node --test)" scripts/test-typescript.sh
step python      "Python kit and services: ruff, mypy, pytest against the gateway" kits/python/run-tests.sh
# Last: the two cargo installs above build in the CPU the suites leave idle, and are awaited
# only here.
[[ $list == 1 ]] || await audit-tools
step audit       "dependency checks: cargo deny (licences, bans, sources, RustSec advisories), npm audit, pip-audit (scripts/audit.sh)" scripts/audit.sh
[[ $list == 1 ]] || await docs-tools
step docs        "the book: mdbook build docs (a page missing from SUMMARY.md fails; links and generated pages: cargo-test)" scripts/docs.sh

if [[ $list == 0 ]]; then
    summary
    skipped=$(printf '%s\n' "${SUMMARY[@]}" | grep -c ' skipped$' || true)
    printf '\n==== TESTS PASSED in %ss%s\n' "$((SECONDS - T_START))" "$( ((skipped == 0)) || echo " ($skipped steps skipped)")"
fi
