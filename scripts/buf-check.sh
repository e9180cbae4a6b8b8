#!/usr/bin/env bash
# Guards the cardmesh.v1 contract (proto/proto) with buf (see buf.yaml):
#
#   1. `buf lint`: Buf's STANDARD rules;
#   2. `buf breaking` (category WIRE_JSON) against the previous commit.
#
# "The previous commit" is CARDMESH_BUF_AGAINST, default HEAD~1: the first parent of HEAD.
# On main every change lands as a commit or a merge commit whose first parent is main before
# it, so HEAD~1 is exactly "main before this change", in a fresh clone too. Compare a branch
# with main instead with CARDMESH_BUF_AGAINST=main. A shallow clone is deepened by one commit
# first; a repository whose HEAD has no parent (or whose parent has no proto/) has nothing to
# compare, which is said and is not an error.
#
# buf comes from the npm package @bufbuild/buf, pinned in kits/typescript/package-lock.json
# (installed with `npm ci --ignore-scripts` when missing). CARDMESH_BUF overrides the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "buf-check: $*"; }
die() { echo "buf-check: $*" >&2; exit 1; }

AGAINST=${CARDMESH_BUF_AGAINST:-HEAD~1}
BUF=${CARDMESH_BUF:-kits/typescript/node_modules/.bin/buf}
if [[ ! -x $BUF ]]; then
    command -v npm >/dev/null || die "npm not found (Node.js 20 and npm are needed for @bufbuild/buf)"
    log "installing @bufbuild/buf from kits/typescript/package-lock.json"
    npm ci --prefix kits/typescript --ignore-scripts --no-audit --no-fund >/dev/null
fi
log "$("$BUF" --version | sed 's/^/buf /')"

log "buf lint (STANDARD)"
"$BUF" lint

if ! git rev-parse --verify --quiet "$AGAINST^{commit}" >/dev/null; then
    if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
        log "shallow clone: fetching one more commit to compare with"
        git fetch --quiet --deepen=1 || die "cannot deepen the shallow clone; clone with history or set CARDMESH_BUF_AGAINST"
    fi
fi
if ! git rev-parse --verify --quiet "$AGAINST^{commit}" >/dev/null; then
    log "no commit $AGAINST to compare with (first commit?): breaking check skipped"
    exit 0
fi
if ! git cat-file -e "$AGAINST:proto/proto" 2>/dev/null; then
    log "$AGAINST has no proto/proto: breaking check skipped"
    exit 0
fi

previous=$(mktemp -d)
trap 'rm -rf "$previous"' EXIT
git archive "$AGAINST" proto/proto | tar -x -C "$previous"
log "buf breaking (WIRE_JSON) against $AGAINST ($(git rev-parse --short "$AGAINST"))"
if ! "$BUF" breaking --against "$previous/proto/proto"; then
    die "proto/proto breaks the cardmesh.v1 wire or JSON contract of $AGAINST (see above). Add a field with a new number instead of renumbering or retyping one; reserve the number and name of a deleted field."
fi
log "ok"
