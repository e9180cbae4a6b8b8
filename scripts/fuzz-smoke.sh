#!/usr/bin/env bash
# Fuzz smoke run: build the fuzz targets (fuzz/, the cardmesh-fuzz crate) with libFuzzer and
# run each one for a bounded time, starting from its seed corpus (fuzz/corpus/<target>/).
#
#   scripts/fuzz-smoke.sh                           # every target, 60 s of fuzzing in all
#   scripts/fuzz-smoke.sh card_proto                # some targets, same total budget
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh request  # a longer run
#   FUZZ_SECONDS=0 scripts/fuzz-smoke.sh request    # until stopped (Ctrl-C)
#
# Exits non-zero when a target crashes (a panic, a broken invariant, a timeout, running out
# of memory) or does not build; the input that crashed is kept in fuzz/artifacts/<target>/
# (reproduce it with `target/debug/<target> fuzz/artifacts/<target>/<file>` after a run, or
# with `cargo test -p cardmesh-fuzz` once it is copied into fuzz/corpus/<target>/). New inputs
# found during the run go to a temporary directory, so the committed corpus is never changed.
#
# How it builds: the fuzz crate is a member of the workspace, and the build is a workspace
# build (`--workspace --bin <target>`), so dependencies resolve with the same features as in
# every other build and their compiled artifacts are reused. Only the workspace's own crates
# are compiled again, with libFuzzer's coverage instrumentation (scripts/lib/fuzz-rustc.sh
# as RUSTC_WORKSPACE_WRAPPER). Stable toolchain, dev profile (debug assertions and overflow
# checks on), no cargo-fuzz needed. Needs a C++ compiler for libFuzzer (g++).
#
# Environment: FUZZ_SECONDS (total fuzzing time, split evenly over the targets; default 60;
# 0 runs until stopped).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
ALL_TARGETS=(request card_json card_proto)
if [[ $# -gt 0 ]]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

log() { echo "fuzz-smoke: $*"; }
die() { echo "fuzz-smoke: $*" >&2; exit 1; }

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi
command -v cargo >/dev/null || die "cargo not found"
command -v c++ >/dev/null || command -v g++ >/dev/null || die "no C++ compiler (libFuzzer is C++): apt-get install g++"
for target in "${TARGETS[@]}"; do
    [[ -d fuzz/corpus/$target ]] || die "unknown target $target (no fuzz/corpus/$target); targets: ${ALL_TARGETS[*]}"
done
per_target=0
if ((FUZZ_SECONDS > 0)); then
    per_target=$((FUZZ_SECONDS / ${#TARGETS[@]}))
    ((per_target >= 1)) || die "FUZZ_SECONDS=$FUZZ_SECONDS is less than 1 s per target"
fi

T_START=$SECONDS
target_dir=$(cargo metadata --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' \
    | head -n1 | sed 's/^"target_directory":"//; s/"$//')
[[ -n $target_dir ]] || die "cargo metadata did not name the target directory"

bins=()
for target in "${TARGETS[@]}"; do bins+=(--bin "$target"); done
log "building ${TARGETS[*]} (dev profile, workspace crates instrumented for libFuzzer)"
t0=$SECONDS
RUSTC_WORKSPACE_WRAPPER=$REPO_ROOT/scripts/lib/fuzz-rustc.sh \
    cargo build --locked --workspace --features cardmesh-fuzz/libfuzzer "${bins[@]}"
log "build took $((SECONDS - t0))s"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
    seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
    log "running $target for ${per_target}s from $seeds seeds"
    mkdir -p "$WORK/$target" "fuzz/artifacts/$target"
    t0=$SECONDS
    # The first corpus directory receives new inputs; the committed seeds are only read.
    if "$target_dir/debug/$target" "$WORK/$target" "fuzz/corpus/$target" \
        -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" >"$WORK/$target.log" 2>&1; then
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$target.log" | grep -o '[0-9]*$' || echo '?')
        cov=$(grep -o 'cov: [0-9]*' "$WORK/$target.log" | tail -n1 | grep -o '[0-9]*$' || echo '?')
        found=$(find "$WORK/$target" -type f | wc -l)
        log "$target: ok, $execs runs in $((SECONDS - t0))s, coverage $cov edges, $found new inputs"
        [[ $cov != 0 && $cov != '?' ]] || { tail -n 20 "$WORK/$target.log" >&2; die "$target: no coverage (is it instrumented?)"; }
    else
        tail -n 60 "$WORK/$target.log" >&2
        log "$target: FAILED after $((SECONDS - t0))s (input kept in fuzz/artifacts/$target/)"
        failed+=("$target")
    fi
done
rmdir fuzz/artifacts/* fuzz/artifacts 2>/dev/null || true

log "done in $((SECONDS - T_START))s"
((${#failed[@]} == 0)) || die "crashed: ${failed[*]}"
