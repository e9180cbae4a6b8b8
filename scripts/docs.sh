#!/usr/bin/env bash
# The book (docs/, mdBook): installs the pinned mdbook and builds it into target/book.
#
#   scripts/docs.sh              # install mdbook when missing, then build the book
#   scripts/docs.sh --install    # only install the pinned mdbook (cargo xtask test does
#                                # this beside the build, as its `docs-tools` step)
#
# mdbook 0.4.52, the last 0.4 release: 0.5 changed the preprocessor and theme interfaces, and
# nothing here needs it. Built without its default features (`serve`, `watch`, `search`),
# which only a local preview server and the search box use: `mdbook build` works without them
# and the install compiles about half as much. It goes into target/tools, like cargo-deny.
# A page SUMMARY.md names that does not exist fails the build (book.toml: create-missing =
# false); the links inside pages are checked by tests/tests/integration/doc_links.rs, and the
# generated reference pages by docs_reference.rs (both in `cargo test`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

MDBOOK_VERSION=0.4.52
TOOLS=$ROOT/target/tools
MDBOOK=$TOOLS/bin/mdbook

install_mdbook() {
    if [[ $("$MDBOOK" --version 2>/dev/null) == "mdbook v$MDBOOK_VERSION" ]]; then
        echo "mdbook $MDBOOK_VERSION: installed ($TOOLS/bin)"
        return
    fi
    local t0=$SECONDS
    echo "mdbook $MDBOOK_VERSION: cargo install --locked --no-default-features (about 2 CPU-minutes)"
    # Its own target directory, and none of the workspace build's settings (the clippy
    # wrapper), with a cheap release profile: building a book takes a second either way.
    CARGO_TARGET_DIR=$TOOLS/mdbook-build RUSTC_WORKSPACE_WRAPPER= CLIPPY_ARGS= \
        CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo install --quiet --locked --root "$TOOLS" mdbook --version "$MDBOOK_VERSION" --no-default-features
    rm -rf "$TOOLS/mdbook-build"
    echo "mdbook $MDBOOK_VERSION: installed in $((SECONDS - t0))s"
}

case ${1:-} in
    --install) install_mdbook; exit 0 ;;
    "") ;;
    -h | --help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "docs.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

install_mdbook
"$MDBOOK" build docs
echo "the book: $ROOT/target/book/index.html"
