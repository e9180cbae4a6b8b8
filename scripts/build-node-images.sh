#!/usr/bin/env bash
# Builds the images of the TypeScript card services without a registry and without npm in
# containers: everything is installed and compiled on the host, staged in
# target/node-images/<name>/, and copied into cardmesh/node-base:local (docker/node.Dockerfile).
# That stage is the whole build context, so Docker is sent only what the image holds (no dev
# node_modules, no cargo output).
#
#   scripts/build-node-images.sh            # every TypeScript service (services/*/package.json)
#   scripts/build-node-images.sh orders     # -> cardmesh/orders-service:local
#   CARDMESH_IMAGE_TAG=mine scripts/build-node-images.sh   # tag :mine, not :local
#
# Steps: `npm ci` + build of kits/typescript (generated proto code, the rules catalogue copy),
# `npm ci` + build of the service, then a stage holding only what runs: each package's dist/,
# assets/ and fixtures/, and production node_modules (`npm ci --omit=dev`, from the same lock
# files). Needs Node.js 20 and npm on the host, the health probe (CARDMESH_HEALTHCHECK_BIN,
# default target/release/cardmesh-healthcheck; scripts/build-images.sh builds it and sets the
# variable) and the base image (ci/build-base-images.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

log() { echo "build-node-images: $*"; }
die() { echo "build-node-images: $*" >&2; exit 1; }

typescript_services() {
    local dir
    for dir in services/*/; do
        [[ -f $dir/package.json ]] && grep -q '"@cardmesh/kit"' "$dir/package.json" && basename "$dir"
    done
    return 0
}

if [[ $# -gt 0 ]]; then NAMES=("$@"); else mapfile -t NAMES < <(typescript_services); fi
[[ ${#NAMES[@]} -gt 0 ]] || { log "no TypeScript card services"; exit 0; }
command -v npm >/dev/null || die "npm not found (Node.js 20 and npm are needed on the host)"
docker info >/dev/null 2>&1 || die "Docker daemon not answering; run ci/start-docker.sh"
docker image inspect cardmesh/node-base:local >/dev/null 2>&1 \
    || die "base image cardmesh/node-base:local missing; run ci/build-base-images.sh"
healthcheck=${CARDMESH_HEALTHCHECK_BIN:-target/release/cardmesh-healthcheck}
[[ -x $healthcheck ]] \
    || die "$healthcheck missing; run scripts/build-images.sh (it builds the probe first)"

npm_quiet() { npm "$@" --no-audit --no-fund --loglevel=error; }

T_START=$SECONDS
# Hashed before the build (or by scripts/build-images.sh, which runs this): the image is
# labelled with the sources it was staged from; the end-to-end tests refuse an image whose
# label is not the checkout's (cargo xtask source-hash).
source_hash=${CARDMESH_SOURCE_HASH:-$(cargo xtask source-hash)}
log "kits/typescript: npm ci (builds the kit)"
(cd kits/typescript && npm_quiet ci)

for name in "${NAMES[@]}"; do
    dir=services/$name
    [[ -f $dir/package.json ]] || die "$dir/package.json missing: $name is not a TypeScript service"
    t0=$SECONDS
    log "$dir: npm ci + build"
    (cd "$dir" && npm_quiet ci && npm run -s build)

    context=target/node-images/$name
    stage=$context/app
    rm -rf "$context"
    mkdir -p "$stage/kits/typescript" "$stage/$dir"
    cp "$healthcheck" "$context/cardmesh-healthcheck"
    cp certs/plain-mtls-ca.pem "$context/"
    cp kits/typescript/package.json kits/typescript/package-lock.json "$stage/kits/typescript/"
    cp -r kits/typescript/dist kits/typescript/assets "$stage/kits/typescript/"
    rm -rf "$stage/kits/typescript/dist/test"
    (cd "$stage/kits/typescript" && npm_quiet ci --omit=dev --ignore-scripts)
    cp "$dir/package.json" "$dir/package-lock.json" "$stage/$dir/"
    cp -r "$dir/dist" "$stage/$dir/"
    rm -rf "$stage/$dir/dist/test"
    [[ -d $dir/fixtures ]] && cp -r "$dir/fixtures" "$stage/$dir/"
    (cd "$stage/$dir" && npm_quiet ci --omit=dev --ignore-scripts)
    [[ -L $stage/$dir/node_modules/@cardmesh/kit ]] || die "$stage/$dir: @cardmesh/kit is not linked to the kit"

    image=cardmesh/$name-service:${CARDMESH_IMAGE_TAG:-local}
    out=$(docker build --build-arg "SERVICE=$name" --label "cardmesh.source-hash=$source_hash" \
            -t "$image" -f docker/node.Dockerfile "$context" 2>&1) \
        || { echo "$out" >&2; die "docker build of $image failed"; }
    docker run --rm --entrypoint cardmesh-healthcheck "$image" --help >/dev/null \
        || die "$image: cardmesh-healthcheck does not run"
    size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
    log "$image built in $((SECONDS - t0))s (context $(du -sh "$context" | cut -f1), image $size)"
done
log "done in $((SECONDS - T_START))s"
