#!/usr/bin/env bash
# The dependency checks: cargo deny (licences, bans, sources, RustSec advisories) for the Rust
# graph, `npm audit --omit=dev` for every package-lock.json, pip-audit for the Python kit's
# lock. Prints one verdict per ecosystem and fails on any finding that no reviewed allow-list
# entry explains (deny.toml's [advisories] ignore; audit-allow.toml for npm and PyPI).
#
#   scripts/audit.sh                   # every ecosystem
#   scripts/audit.sh --only cargo,npm  # some of them: cargo, npm, pypi
#   scripts/audit.sh --install         # only install the pinned tools (cargo xtask test does
#                                      # this beside the build)
#
# A verdict is one of:
#   passed                       the advisory data was read and nothing is left unexplained;
#   skipped: no advisory service the tool could not reach its advisory service (npm's audit
#                                endpoint, PyPI's vulnerability data): NOT a pass; nothing is
#                                known. Where those services are reachable, the same command
#                                checks for real;
#   FAILED                       a finding: upgrade, or add a reviewed allow-list entry;
#   ERROR                        the check could not run (a missing lock file, a broken tool).
# Exit status: 0 when no ecosystem FAILED or ERRORed, 1 otherwise.
#
# Tools, pinned, installed into target/tools on first use: cargo-deny (cargo install --locked)
# and pip-audit (its own virtual environment, from scripts/lib/pip-audit.lock).
#
# Environment:
#   CARDMESH_ADVISORY_DB    a git bundle (or a clone) of the RustSec advisory database, for
#                           machines that cannot reach its git host. Unset: the first of
#                           ../shared/rustsec-advisory-db.bundle (next to this checkout or to
#                           its main worktree) and /work/shared/rustsec-advisory-db.bundle that
#                           exists; none: cargo deny fetches the live database.
#   CARDMESH_AUDIT_ALLOW    the npm/PyPI allow-list (default audit-allow.toml).
#   CARDMESH_AUDIT_OSV_URL  pip-audit asks this OSV API (a mirror) instead of PyPI.
#   npm_config_registry     npm's registry, whose audit endpoint npm audit asks (npm's own).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CARGO_DENY_VERSION=0.20.2
TOOLS=$ROOT/target/tools
PIP_AUDIT_VENV=$TOOLS/pip-audit
PIP_AUDIT_LOCK=$ROOT/scripts/lib/pip-audit.lock
REPORT=$ROOT/scripts/lib/audit_report.py
ALLOW=${CARDMESH_AUDIT_ALLOW:-$ROOT/audit-allow.toml}
# Where deny.toml's db-path (target/advisory-dbs) puts the database of its db-urls entry
# (cargo-deny names the folder after the URL: <last segment>-<hash of the URL>).
ADVISORY_DB_DIR=$ROOT/target/advisory-dbs/advisory-db-3157b0e258782691
NPM_DIRS=(kits/typescript services/orders tests/conformance tests/browser)
PIP_LOCKS=(kits/python/requirements.lock)

only=all install_only=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --only) only=,${2:?--only needs cargo, npm and/or pypi},; shift 2 ;;
        --install) install_only=1; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
        *) echo "audit.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
wanted() { [[ $only == all || $only == *",$1,"* ]]; }

PYTHON=$(command -v python3.11 || command -v python3 || true)
[[ -n $PYTHON ]] || { echo "audit.sh: python3 (3.11) is needed" >&2; exit 2; }

# --- tools ------------------------------------------------------------------------------------
install_cargo_deny() {
    if [[ $("$TOOLS/bin/cargo-deny" --version 2>/dev/null) == "cargo-deny $CARGO_DENY_VERSION" ]]; then
        echo "cargo-deny $CARGO_DENY_VERSION: installed ($TOOLS/bin)"
        return
    fi
    local t0=$SECONDS
    echo "cargo-deny $CARGO_DENY_VERSION: cargo install --locked (about 3 CPU-minutes)"
    # Its own target directory, and none of the workspace build's settings. cargo-deny's own
    # release profile (fat LTO, one codegen unit) would cost several times the CPU for no
    # speed that matters here: a check takes seconds either way.
    CARGO_TARGET_DIR=$TOOLS/cargo-deny-build RUSTC_WORKSPACE_WRAPPER= CLIPPY_ARGS= \
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo install --quiet --locked --root "$TOOLS" cargo-deny --version "$CARGO_DENY_VERSION"
    rm -rf "$TOOLS/cargo-deny-build"
    echo "cargo-deny $CARGO_DENY_VERSION: installed in $((SECONDS - t0))s"
}

install_pip_audit() {
    local stamp
    stamp=$(sha256sum "$PIP_AUDIT_LOCK" | cut -d' ' -f1)
    if [[ -x $PIP_AUDIT_VENV/bin/pip-audit && $(cat "$PIP_AUDIT_VENV/.stamp" 2>/dev/null) == "$stamp" ]]; then
        echo "pip-audit: installed ($PIP_AUDIT_VENV)"
        return
    fi
    local t0=$SECONDS
    rm -rf "$PIP_AUDIT_VENV"
    "$PYTHON" -m venv "$PIP_AUDIT_VENV"
    "$PIP_AUDIT_VENV/bin/pip" install -q --disable-pip-version-check -r "$PIP_AUDIT_LOCK"
    echo "$stamp" >"$PIP_AUDIT_VENV/.stamp"
    echo "pip-audit: $("$PIP_AUDIT_VENV/bin/pip-audit" --version) installed in $((SECONDS - t0))s"
}

if [[ $install_only == 1 ]]; then
    if wanted cargo; then install_cargo_deny; fi
    if wanted pypi; then install_pip_audit; fi
    exit 0
fi

VERDICTS=()
FAILED=0
# verdict ECOSYSTEM CODE TEXT: CODE 0 passed, 3 skipped, anything else a failure.
verdict() {
    VERDICTS+=("$(printf '%-20s %s' "$1" "$3")")
    case $2 in 0 | 3) ;; *) FAILED=1 ;; esac
}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cardmesh-audit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- cargo -----------------------------------------------------------------------------------
# The bundle of the advisory database to use, if any (see CARDMESH_ADVISORY_DB above).
advisory_bundle() {
    if [[ -n ${CARDMESH_ADVISORY_DB:-} ]]; then
        [[ -e $CARDMESH_ADVISORY_DB ]] || { echo "CARDMESH_ADVISORY_DB=$CARDMESH_ADVISORY_DB does not exist" >&2; return 1; }
        echo "$CARDMESH_ADVISORY_DB"
        return
    fi
    local main candidate
    main=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    for candidate in "$ROOT/../shared/rustsec-advisory-db.bundle" \
        ${main:+"$(dirname "$main")/../shared/rustsec-advisory-db.bundle"} \
        /work/shared/rustsec-advisory-db.bundle; do
        if [[ -f $candidate ]]; then
            (cd "$(dirname "$candidate")" && echo "$PWD/$(basename "$candidate")")
            return
        fi
    done
}

# Puts the bundle's (or the clone's) database where cargo-deny reads it, unless it is there.
use_advisory_bundle() {
    local source=$1 head
    if [[ -d $source ]]; then
        head=$(git -C "$source" rev-parse HEAD)
    else
        head=$(git bundle list-heads "$source" | awk '$2 == "HEAD" || $2 ~ /refs\/heads\/(main|master)$/ {print $1; exit}')
    fi
    if [[ $(git -C "$ADVISORY_DB_DIR" rev-parse HEAD 2>/dev/null) == "$head" ]]; then
        return
    fi
    rm -rf "$ADVISORY_DB_DIR" "$ADVISORY_DB_DIR.new"
    mkdir -p "$(dirname "$ADVISORY_DB_DIR")"
    git -c init.defaultBranch=main clone --quiet "$source" "$ADVISORY_DB_DIR.new"
    mv "$ADVISORY_DB_DIR.new" "$ADVISORY_DB_DIR"
}

# "commit bf5c0d24 of 2026-08-21 (107 days old)"
describe_advisory_db() {
    local commit date age
    commit=$(git -C "$ADVISORY_DB_DIR" log -1 --format=%h)
    date=$(git -C "$ADVISORY_DB_DIR" log -1 --format=%cs)
    age=$((($(date +%s) - $(git -C "$ADVISORY_DB_DIR" log -1 --format=%ct)) / 86400))
    echo "commit $commit of $date ($age days old)"
}

audit_cargo() {
    install_cargo_deny
    local deny=("$TOOLS/bin/cargo-deny" deny --locked --color never) rc=0 bundle db
    echo "cargo deny check licenses bans sources (deny.toml)"
    "${deny[@]}" check licenses bans sources >"$WORK/cargo-deny.log" 2>&1 || rc=$?
    if [[ $rc == 0 ]]; then
        # Warnings (several versions of one crate) by name; errors would have failed the check.
        grep -E '^warning\[|^(advisories|bans|licenses|sources) ' "$WORK/cargo-deny.log" || true
        verdict "cargo licences/bans/sources" 0 \
            "passed ($(grep -c '^warning\[' "$WORK/cargo-deny.log" || true) warnings above)"
    else
        cat "$WORK/cargo-deny.log"
        verdict "cargo licences/bans/sources" 1 "FAILED: see cargo deny's errors above (deny.toml)"
    fi

    bundle=$(advisory_bundle) || {
        verdict "cargo advisories" 2 "ERROR: CARDMESH_ADVISORY_DB names nothing that exists"
        return
    }
    if [[ -n $bundle ]]; then
        use_advisory_bundle "$bundle"
        db="RustSec database from $bundle, $(describe_advisory_db)"
    elif "${deny[@]}" fetch db >"$WORK/fetch.log" 2>&1; then
        db="RustSec database fetched from its git host, $(describe_advisory_db)"
    else
        tail -n 5 "$WORK/fetch.log"
        verdict "cargo advisories" 3 "skipped: no advisory service (the RustSec database could not be fetched; CARDMESH_ADVISORY_DB can name a bundle of it)"
        return
    fi
    echo "cargo deny check advisories: $db"
    rc=0
    # --offline: the database is in place; nothing else is fetched either.
    "${deny[@]}" --offline check advisories >"$WORK/advisories.log" 2>&1 || rc=$?
    if [[ $rc == 0 ]]; then
        grep -E '^warning\[|^advisories ' "$WORK/advisories.log" || true
        verdict "cargo advisories" 0 "passed: $db"
    else
        cat "$WORK/advisories.log"
        verdict "cargo advisories" 1 "FAILED: see above (upgrade, or deny.toml [advisories] ignore with a reason); $db"
    fi
}

# --- npm -------------------------------------------------------------------------------------
audit_npm() {
    local dir name reports=() rc=0 out
    for dir in "${NPM_DIRS[@]}"; do
        name=${dir//\//_}
        if [[ ! -f $dir/package-lock.json ]]; then
            echo '{"error":{"code":"ENOLOCK","summary":"no package-lock.json"}}' >"$WORK/npm-$name.json"
        else
            (cd "$dir" && npm audit --omit=dev --json >"$WORK/npm-$name.json" 2>"$WORK/npm-$name.err") || true
        fi
        reports+=("$dir=$WORK/npm-$name.json:$WORK/npm-$name.err")
    done
    out=$("$PYTHON" "$REPORT" npm --allow "$ALLOW" "${reports[@]}") || rc=$?
    echo "$out"
    verdict npm "$rc" "$(head -n 1 <<<"$out" | grep . || echo "ERROR: scripts/lib/audit_report.py failed (exit $rc)")"
}

# --- pypi ------------------------------------------------------------------------------------
audit_pypi() {
    install_pip_audit
    local lock name reports=() rc=0 out service=()
    if [[ -n ${CARDMESH_AUDIT_OSV_URL:-} ]]; then service=(--vulnerability-service osv --osv-url "$CARDMESH_AUDIT_OSV_URL"); fi
    for lock in "${PIP_LOCKS[@]}"; do
        name=${lock//\//_}
        rm -f "$WORK/pip-$name.json"
        # --no-deps --disable-pip: the lock pins every package, so nothing is installed or
        # resolved; only the advisory service is asked.
        "$PIP_AUDIT_VENV/bin/pip-audit" --disable-pip --no-deps --progress-spinner off "${service[@]}" \
            --format json --output "$WORK/pip-$name.json" --requirement "$lock" \
            >/dev/null 2>"$WORK/pip-$name.err" || true
        reports+=("$lock=$WORK/pip-$name.json:$WORK/pip-$name.err")
    done
    out=$("$PYTHON" "$REPORT" pypi --allow "$ALLOW" "${reports[@]}") || rc=$?
    echo "$out"
    verdict pypi "$rc" "$(head -n 1 <<<"$out" | grep . || echo "ERROR: scripts/lib/audit_report.py failed (exit $rc)")"
}

T0=$SECONDS
for ecosystem in cargo npm pypi; do
    if wanted "$ecosystem"; then
        printf '\n--- %s\n' "$ecosystem"
        t=$SECONDS
        "audit_$ecosystem"
        echo "($ecosystem: $((SECONDS - t))s)"
    fi
done
printf '\n==== dependency checks (%ss):\n' "$((SECONDS - T0))"
printf '  %s\n' "${VERDICTS[@]}"
exit "$FAILED"
