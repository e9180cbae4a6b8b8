#!/usr/bin/env bash
# Build the project's images without a container registry: compile the release binaries on
# the host, then `docker build --target prebuilt` (docker/Dockerfile), which only copies them
# into the local `debian:bookworm-slim` (ci/build-base-images.sh builds that one).
#
#   cardmesh/cardmesh-gateway:local   cardmesh/billing-service:local
#   cardmesh/usage-service:local      cardmesh/accounts-service:local
#   cardmesh/orders-service:local     (TypeScript: scripts/build-node-images.sh)
#   cardmesh/http-bridge:local        cardmesh/http-bridge-example-endpoint:local
#
# These are the images docker-compose.yml names (run it with CARDMESH_BUILD_TARGET=prebuilt)
# and the ones the end-to-end tests (tests/tests/integration/e2e.rs) start.
#
#   scripts/build-images.sh                     # all four images
#   scripts/build-images.sh billing-service     # only some of them (binary names)
#   CARDMESH_SKIP_CARGO=1 scripts/build-images.sh   # binaries are already built
#   CARDMESH_IMAGE_TAG=mine scripts/build-images.sh # tag cardmesh/<binary>:mine, not :local
#                                               # (the e2e tests read the same variable)
#   CARDMESH_IMAGE_PROFILE=debug scripts/build-images.sh
#                                               # the debug binaries of `cargo build --workspace`
#                                               # instead of a release build: the images for the
#                                               # tests, without a second compile of the workspace
#
# Idempotent: cargo and the Docker layer cache skip what did not change.
# Binaries are linked against the host's glibc, so build on Debian 12 (bookworm) or older.
#
# The binaries come from cargo's target directory wherever it is (CARGO_TARGET_DIR, a
# symlinked target/): they are copied into a small build context of their own
# (<target>/image-context), so the image never depends on what the repository's target/ holds.
# Every image is labelled `cardmesh.source-hash` with `cargo xtask source-hash`, the hash of the
# sources it was built from; the end-to-end tests refuse an image whose label is not the
# checkout's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The image of each binary: cardmesh/<binary>:local. Add new card services here.
DEFAULT_BINS=(cardmesh-gateway billing-service usage-service accounts-service http-bridge http-bridge-example-endpoint)
if [[ $# -gt 0 ]]; then BINS=("$@"); else BINS=("${DEFAULT_BINS[@]}"); fi

log() { echo "build-images: $*"; }
die() { echo "build-images: $*" >&2; exit 1; }

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if [[ -d $CARGO_BIN && ":$PATH:" != *":$CARGO_BIN:"* ]]; then
    export PATH="$CARGO_BIN:$PATH"
fi
docker info >/dev/null 2>&1 || die "Docker daemon not answering; run ci/start-docker.sh"
docker image inspect debian:bookworm-slim >/dev/null 2>&1 \
    || die "base image debian:bookworm-slim missing; run ci/build-base-images.sh (or docker pull it)"

T_START=$SECONDS
tag=${CARDMESH_IMAGE_TAG:-local}

# cargo's own answer (CARGO_TARGET_DIR, build.target-dir, or <root>/target), else the default.
target=
if command -v cargo >/dev/null; then
    target=$(cargo metadata --format-version 1 --no-deps 2>/dev/null | grep -o '"target_directory":"[^"]*"' \
        | head -n1 | sed 's/^"target_directory":"//; s/"$//')
fi
target=${target:-${CARGO_TARGET_DIR:-target}}
# The cargo profile the binaries come from: release (the default), or debug, the binaries a
# `cargo build --workspace` or `cargo test --workspace` already made.
profile=${CARDMESH_IMAGE_PROFILE:-release}
case $profile in
    release) cargo_profile=(--release) ;;
    debug) cargo_profile=() ;;
    *) die "CARDMESH_IMAGE_PROFILE=$profile: use release (the default) or debug" ;;
esac
release=$target/$profile
export CARDMESH_HEALTHCHECK_BIN=$release/cardmesh-healthcheck

command -v cargo >/dev/null || die "cargo not found"
# Hashed before the build: an image is labelled with the sources cargo compiled.
source_hash=$(cargo xtask source-hash)
if [[ ${CARDMESH_SKIP_CARGO:-0} != 1 ]]; then
    log "cargo build ${cargo_profile[*]} --locked --workspace --bins (into $target)"
    t0=$SECONDS
    cargo build "${cargo_profile[@]}" --locked --workspace --bins
    log "cargo build took $((SECONDS - t0))s"
fi

for bin in "${BINS[@]}" cardmesh-healthcheck; do
    [[ -x $release/$bin ]] || die "$release/$bin missing (is it a workspace binary?)"
done

# The build context: only what the `prebuilt` stage copies, as real files.
ctx_dir=$target/image-context
rm -rf "$ctx_dir"
mkdir -p "$ctx_dir/target/release" "$ctx_dir/docker" "$ctx_dir/certs"
cp docker/missing-binary.sh "$ctx_dir/docker/"
cp certs/plain-mtls-ca.pem "$ctx_dir/certs/"
stage() { cp -L "$release/$1" "$ctx_dir/target/release/$1"; }
stage cardmesh-healthcheck

# Where buildx is missing (these machines) this is the classic builder, as in docker-compose
# v1; with BuildKit the Dockerfile and .dockerignore behave the same.
for bin in "${BINS[@]}"; do
    image=cardmesh/$bin:$tag
    t0=$SECONDS
    stage "$bin"
    out=$(docker build --target prebuilt --build-arg "BIN=$bin" \
            --label "cardmesh.source-hash=$source_hash" \
            -t "$image" -f docker/Dockerfile "$ctx_dir" 2>&1) || { echo "$out" >&2; die "docker build of $image failed"; }
    context=$(grep -o 'Sending build context to Docker daemon *[0-9.]*[kMG]*B' <<<"$out" | awk '{print $NF}' | tail -n1)
    size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
    rm -f "$ctx_dir/target/release/$bin"   # the next image's context holds only its own binary
    log "$image built in $((SECONDS - t0))s ($profile binary, context ${context:-?}, image $size)"
done

# Smoke test: every image starts its binary and carries the health probe.
for bin in "${BINS[@]}"; do
    docker run --rm --entrypoint cardmesh-healthcheck "cardmesh/$bin:$tag" --help >/dev/null \
        || die "cardmesh/$bin:$tag: cardmesh-healthcheck does not run"
    docker run --rm --entrypoint sh "cardmesh/$bin:$tag" -c '! [ -e /usr/local/bin/missing-binary.sh ]' \
        || die "cardmesh/$bin:$tag holds the missing-binary stub instead of $bin"
done
rm -rf "$ctx_dir"

# The TypeScript and Python card services' images (docker/node.Dockerfile, staged on the
# host; docker/python.Dockerfile, from wheels made on the host), unless only some binaries
# were named.
if [[ $# -eq 0 ]]; then
    CARDMESH_SOURCE_HASH=$source_hash scripts/build-node-images.sh
    CARDMESH_SOURCE_HASH=$source_hash CARDMESH_SKIP_CARGO=1 scripts/build-python-images.sh
fi
log "done in $((SECONDS - T_START))s (images labelled cardmesh.source-hash=${source_hash:0:12}…)"
