#!/usr/bin/env bash
# Build the images of the Python card services without a container registry or PyPI inside
# containers: the kit's locked dependencies and the kit itself become wheels on the host
# (target/python-wheels/), then docker/python.Dockerfile installs them offline on the local
# cardmesh/python-base:local (ci/build-base-images.sh builds that one).
#
#   scripts/build-python-images.sh              # every services/<name>/ with a pyproject.toml
#   scripts/build-python-images.sh feedback     # only some (folder names)
#
# Each image is cardmesh/<name>-service:local, as docker-compose.yml and the end-to-end tests
# name them. Needs the health probe, CARDMESH_HEALTHCHECK_BIN (default
# target/release/cardmesh-healthcheck; scripts/build-images.sh builds it and sets the variable,
# CARDMESH_SKIP_CARGO=1 skips building it here) and Python 3.11 with PyPI on the host.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD

# python_package DIR: the service's package (the folder holding __main__.py, not under tests/),
# as `cargo xtask run-service` finds it (xtask/src/service/python.rs).
python_package() {
    local main
    main=$(find "$1" -mindepth 2 -maxdepth 2 -name __main__.py -not -path '*/tests/*' | sort | sed -n 1p)
    [[ -n $main ]] && basename "$(dirname "$main")"
}

log() { echo "build-python-images: $*"; }
die() { echo "build-python-images: $*" >&2; exit 1; }

if [[ $# -gt 0 ]]; then
    NAMES=("$@")
else
    NAMES=()
    for manifest in services/*/pyproject.toml; do
        [[ -e $manifest ]] && NAMES+=("$(basename "$(dirname "$manifest")")")
    done
fi
[[ ${#NAMES[@]} -gt 0 ]] || { log "no Python services"; exit 0; }

docker info >/dev/null 2>&1 || die "Docker daemon not answering; run ci/start-docker.sh"
docker image inspect cardmesh/python-base:local >/dev/null 2>&1 \
    || die "base image cardmesh/python-base:local missing; run ci/build-base-images.sh"
healthcheck=${CARDMESH_HEALTHCHECK_BIN:-target/release/cardmesh-healthcheck}
if [[ ! -x $healthcheck && ${CARDMESH_SKIP_CARGO:-0} != 1 ]]; then
    CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
    [[ -d $CARGO_BIN ]] && export PATH="$CARGO_BIN:$PATH"
    log "cargo build --release --workspace --bins (for the health probe)"
    cargo build --release --locked --workspace --bins
fi
[[ -x $healthcheck ]] || die "$healthcheck missing"

T_START=$SECONDS
# Hashed before the build (or by scripts/build-images.sh, which runs this): the image is
# labelled with the sources it was staged from; the end-to-end tests refuse an image whose
# label is not the checkout's (cargo xtask source-hash).
source_hash=${CARDMESH_SOURCE_HASH:-$(cargo xtask source-hash)}
VENV=$(kits/python/venv.sh)
"$VENV/bin/python" kits/python/tools/sync.py --check \
    || die "the kit's stubs or catalogue copy are stale; run: kits/python/.venv/bin/python kits/python/tools/sync.py"
WHEELS=target/python-wheels
rm -rf "$WHEELS"
mkdir -p "$WHEELS"
log "wheels of kits/python/requirements.lock and the kit -> $WHEELS"
"$VENV/bin/pip" download -q --disable-pip-version-check --only-binary=:all: --no-deps \
    -r kits/python/requirements.lock -d "$WHEELS"
"$VENV/bin/pip" wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
    -w "$WHEELS" kits/python
rm -rf kits/python/build

for name in "${NAMES[@]}"; do
    service=services/$name
    [[ -f $service/pyproject.toml ]] || die "$service has no pyproject.toml"
    package=$(python_package "$service" || true)
    [[ -n $package ]] || die "$service has no package with a __main__.py"
    context=target/python-images/$name
    rm -rf "$context"
    mkdir -p "$context/service"
    cp kits/python/requirements.lock "$context/"
    cp "$healthcheck" "$context/cardmesh-healthcheck"
    cp -r "$WHEELS" "$context/wheels"
    tar -C "$service" --exclude=tests --exclude=__pycache__ --exclude=.pytest_cache \
        --exclude=.ruff_cache -c . | tar -C "$context/service" -x
    image=cardmesh/$name-service:${CARDMESH_IMAGE_TAG:-local}
    t0=$SECONDS
    out=$(docker build --build-arg "PACKAGE=$package" --label "cardmesh.source-hash=$source_hash" \
        -t "$image" -f docker/python.Dockerfile \
        "$context" 2>&1) || { echo "$out" >&2; die "docker build of $image failed"; }
    docker run --rm --entrypoint python "$image" -c "import cardmesh_kit, $package" \
        || die "$image: cannot import cardmesh_kit and $package"
    docker run --rm --entrypoint cardmesh-healthcheck "$image" --help >/dev/null \
        || die "$image: cardmesh-healthcheck does not run"
    size=$(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')
    log "$image built in $((SECONDS - t0))s (package $package, image $size)"
done
log "done in $((SECONDS - T_START))s"
