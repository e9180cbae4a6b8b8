# The runner of TypeScript card services (a services/<name>/package.json on @cardmesh/kit) for
# scripts/run-service.sh: node_is_card_service, node_build and node_exec, each given the
# service's folder. Sourced from the repository root; needs Node.js 20 and npm.
#
#   node_build DIR   installs and builds the kit (kits/typescript) when needed, then the
#                    service: `npm ci` from its lock file when node_modules is missing, and
#                    `npm run build` (tsc) every time (incremental output in dist/).
#   node_exec DIR    replaces the shell with `node DIR/dist/src/main.js` (building first when
#                    dist/ is missing, even with --no-build); the kit's serve() reads
#                    CARDMESH_SERVICE_LISTEN and the other variables.

# A TypeScript card service: its package.json depends on the kit.
node_is_card_service() {
    [[ -f $1/package.json ]] && grep -q '"@cardmesh/kit"' "$1/package.json"
}

node_build() {
    local dir=$1 kit=kits/typescript
    command -v npm >/dev/null || { echo "run-service: npm not found (Node.js 20 and npm are needed for $dir)" >&2; return 1; }
    if [[ ! -d $kit/node_modules ]]; then
        echo "run-service: $kit: npm ci (installs and builds the kit)" >&2
        (cd "$kit" && npm ci --no-audit --no-fund --loglevel=error) >&2
    elif [[ ! -f $kit/dist/src/index.js ]]; then
        (cd "$kit" && npm run -s build) >&2
    fi
    if [[ ! -d $dir/node_modules ]]; then
        echo "run-service: $dir: npm ci" >&2
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
    fi
    echo "run-service: $dir: npm run build" >&2
    (cd "$dir" && npm run -s build) >&2
}

node_exec() {
    local main=$1/dist/src/main.js
    [[ -f $main && -f kits/typescript/dist/src/index.js ]] || node_build "$1"
    exec node "$main"
}
