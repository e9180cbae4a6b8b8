#!/usr/bin/env bash
# Fuzz smoke run: build the fuzz targets (fuzz/, cargo-fuzz layout) and run each one for a
# bounded time, starting from its seed corpus (fuzz/corpus/<target>/).
#
#   scripts/fuzz-smoke.sh                           # every target, 60 s of fuzzing in all
#   scripts/fuzz-smoke.sh card_proto                # some targets, same total budget
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh request  # a longer run
#
# Exits non-zero when a target crashes (a panic, a broken invariant, a timeout, running out
# of memory) or does not build; the input that crashed is kept in fuzz/artifacts/<target>/
# (reproduce it with `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --target-dir target/fuzz
# <target> fuzz/artifacts/<target>/<file>`). New inputs found during the run go to a
# temporary directory, so the committed corpus is never changed.
#
# Works on the stable toolchain: cargo-fuzz passes nightly-only rustc flags (-Z...), which
# RUSTC_BOOTSTRAP=1 allows on stable. cargo-fuzz itself is installed (pinned version, into
# target/tools) when it is not on PATH. Build output goes to target/fuzz.
#
# Environment: FUZZ_SECONDS (total fuzzing time, split evenly over the targets; default 60),
# FUZZ_SANITIZER (cargo-fuzz --sanitizer; default none: the targets are safe Rust and assert
# their invariants, so a sanitizer would only slow them down).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-none}
ALL_TARGETS=(request card_json card_proto)
if [[ $# -gt 0 ]]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

log() { echo "fuzz-smoke: $*"; }
die() { echo "fuzz-smoke: $*" >&2; exit 1; }

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi
command -v cargo >/dev/null || die "cargo not found"
for target in "${TARGETS[@]}"; do
    [[ -d fuzz/corpus/$target ]] || die "unknown target $target (no fuzz/corpus/$target); targets: ${ALL_TARGETS[*]}"
done
per_target=$((FUZZ_SECONDS / ${#TARGETS[@]}))
((per_target >= 1)) || die "FUZZ_SECONDS=$FUZZ_SECONDS is less than 1 s per target"

T_START=$SECONDS

# cargo-fuzz: the one on PATH, else the pinned version in target/tools.
TOOLS=$REPO_ROOT/target/tools
export PATH="$PATH:$TOOLS/bin"
if ! command -v cargo-fuzz >/dev/null; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS"
    t0=$SECONDS
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS"
    log "cargo-fuzz installed in $((SECONDS - t0))s"
fi
log "using $(cargo fuzz --version) ($(command -v cargo-fuzz)), $(rustc --version)"

export RUSTC_BOOTSTRAP=1
FUZZ_ARGS=(--sanitizer "$FUZZ_SANITIZER" --target-dir "$REPO_ROOT/target/fuzz")

# The fuzz crate has its own Cargo.lock; refuse to build if it is out of date.
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null \
    || die "fuzz/Cargo.lock is out of date (a dependency changed); refresh it from the main lock \
file with \`cp Cargo.lock fuzz/Cargo.lock && cargo metadata --format-version 1 \
--manifest-path fuzz/Cargo.toml >/dev/null\` and commit it"

log "building the fuzz targets (release, debug assertions, sanitizer $FUZZ_SANITIZER)"
t0=$SECONDS
cargo fuzz build "${FUZZ_ARGS[@]}"
log "build took $((SECONDS - t0))s"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failed=()
for target in "${TARGETS[@]}"; do
    seeds=$(find "fuzz/corpus/$target" -type f | wc -l)
    log "running $target for ${per_target}s from $seeds seeds"
    mkdir -p "$WORK/$target"
    t0=$SECONDS
    # The first corpus directory receives new inputs; the committed seeds are only read.
    if cargo fuzz run "${FUZZ_ARGS[@]}" "$target" "$WORK/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$per_target" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$WORK/$target.log" 2>&1; then
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$target.log" | grep -o '[0-9]*$' || echo '?')
        cov=$(grep -o 'cov: [0-9]*' "$WORK/$target.log" | tail -n1 | grep -o '[0-9]*$' || echo '?')
        found=$(find "$WORK/$target" -type f | wc -l)
        log "$target: ok, $execs runs in $((SECONDS - t0))s, coverage $cov edges, $found new inputs"
    else
        tail -n 60 "$WORK/$target.log" >&2
        log "$target: FAILED after $((SECONDS - t0))s (input kept in fuzz/artifacts/$target/)"
        failed+=("$target")
    fi
done

log "done in $((SECONDS - T_START))s"
((${#failed[@]} == 0)) || die "crashed: ${failed[*]}"
