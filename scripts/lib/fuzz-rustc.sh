#!/bin/sh
# RUSTC_WORKSPACE_WRAPPER of the fuzz build (scripts/fuzz-smoke.sh): compiles the workspace's
# own crates with libFuzzer's coverage instrumentation (the flags cargo-fuzz passes), so the
# fuzzer is guided by coverage of cardmesh's code. Dependencies are not workspace crates and
# never come through here: they stay exactly as every other build compiled them, and are
# reused. Build scripts and proc macros run on the host and are not linked with libFuzzer, so
# they are compiled as they are. cargo puts the wrapper into the crates' metadata hashes, so
# the instrumented crates sit beside the plain ones in the target directory.
#
# Called by cargo as: fuzz-rustc.sh RUSTC ARGS...
rustc=$1
shift
case " $* " in
    *" --crate-name build_script_"* | *" --crate-type proc-macro "*) exec "$rustc" "$@" ;;
esac
exec "$rustc" "$@" \
    -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
    --cfg fuzzing
