#!/usr/bin/env bash
# Build the base images cardmesh needs, locally, because no container registry is reachable:
#
#   debian:bookworm-slim   Debian 12 minbase + ca-certificates. Base of the project's own
#                          Dockerfiles (binaries are built on the host and copied in).
#   cardmesh/python-base:local
#                          Debian 12 minbase + Debian's python3 (3.11) and python3-venv: the
#                          base of the Python card services' images (docker/python.Dockerfile;
#                          the kit and its dependencies come in as wheels made on the host).
#   redis:7 (+ redis:5.0, redis:<exact version>)
#                          minbase + Debian's redis-server 7.0, started like the official
#                          image (listens on 0.0.0.0:6379, no protected mode, logs to stdout).
#                          redis:5.0 is the default image of testcontainers-modules 0.15's
#                          `redis::Redis`, so that module works unchanged (it waits for
#                          "Ready to accept connections" on stdout, which 7.0 prints).
#                          docker-compose.yml pins Redis to an exact version (redis:7.0.15):
#                          the image gets that tag too, and only when its redis-server is
#                          that very version.
#   cardmesh/node-base:local
#                          Debian 12 minbase + Debian's nodejs (18.x): the base of the
#                          TypeScript card services' images (docker/node.Dockerfile; the kit,
#                          the service and their node_modules are staged on the host first by
#                          scripts/build-node-images.sh).
#
# How: `debootstrap --variant=minbase bookworm` runs ONCE into a cached rootfs
# ($CACHE_DIR/minbase); each image copies it, apt-get installs its extra packages in a chroot,
# and is imported with `tar | docker import`.
#
# Idempotent: an image that already exists is skipped (missing alias tags are added).
#   --force   rebuild the cached rootfs and every image.
# Ends with a smoke test: run redis:7 with a localhost-mapped port and expect PONG.
# Needs: root, a running Docker daemon (ci/start-docker.sh), debootstrap.
set -euo pipefail

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm
CACHE_DIR=${ROOTFS_CACHE_DIR:-/var/cache/cardmesh-rootfs}
MINBASE=$CACHE_DIR/minbase
MINBASE_OK=$CACHE_DIR/minbase.ok        # written only after debootstrap fully succeeded

FORCE=0
for arg in "$@"; do
    case $arg in
        --force) FORCE=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "build-base-images: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "build-base-images: $*"; }
die() { echo "build-base-images: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot)"
[[ $CACHE_DIR == /?*/?* ]] || die "ROOTFS_CACHE_DIR must be an absolute path at least two levels deep"
command -v debootstrap >/dev/null || die "debootstrap not found; run ci/install-deps.sh"
docker info >/dev/null 2>&1 || die "Docker daemon not answering; run ci/start-docker.sh"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Temporary work dirs and containers, removed on any exit.
WORK_DIRS=()
SMOKE_CONTAINER=
cleanup() {
    local d
    for d in "${WORK_DIRS[@]}"; do
        rm -rf --one-file-system "$d"
    done
    if [[ -n $SMOKE_CONTAINER ]]; then
        docker rm -f "$SMOKE_CONTAINER" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# Every destructive step below works on a rootfs; refuse anything that is not one of ours
# (an empty or wrong path here would otherwise hit the host's own files).
assert_our_rootfs() {
    case $1 in
        "$MINBASE" | "$CACHE_DIR"/work.?*) [[ -d $1 && -x $1/usr/bin/apt-get ]] && return ;;
    esac
    die "internal error: '$1' is not a rootfs under $CACHE_DIR"
}

# chroot_apt ROOTFS LOGNAME "SHELL COMMANDS": run apt inside ROOTFS (network, no service
# starts); on failure print the log tail and die.
chroot_apt() {
    local rootfs=$1 name=$2 cmds=$3
    local logf="$CACHE_DIR/$name.log"
    assert_our_rootfs "$rootfs"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"   # never start services
    chmod +x "$rootfs/usr/sbin/policy-rc.d"
    if ! chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -ec "$cmds" >"$logf" 2>&1; then
        tail -n 30 "$logf" >&2
        die "$name: apt in chroot failed (full log: $logf)"
    fi
    rm -f "$rootfs/usr/sbin/policy-rc.d"
}

# ---------------------------------------------------------------------------------------------
# Shared minbase rootfs (cached between images and between runs on the same machine).
# ---------------------------------------------------------------------------------------------
MINBASE_BUILT_NOW=0    # --force rebuilds the rootfs once per run, not once per image
ensure_minbase() {
    if [[ -f $MINBASE_OK && -d $MINBASE ]] && [[ $FORCE -eq 0 || $MINBASE_BUILT_NOW -eq 1 ]]; then
        log "reusing cached minbase rootfs $MINBASE"
        return
    fi
    rm -rf --one-file-system "$MINBASE" "$MINBASE_OK"
    mkdir -p "$CACHE_DIR"
    log "debootstrap --variant=minbase $SUITE -> $MINBASE ($MIRROR)"
    local t0=$SECONDS
    if ! debootstrap --variant=minbase "$SUITE" "$MINBASE" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1; then
        tail -n 30 "$CACHE_DIR/debootstrap.log" >&2
        die "debootstrap failed (full log: $CACHE_DIR/debootstrap.log)"
    fi
    log "debootstrap took $((SECONDS - t0))s"
    assert_our_rootfs "$MINBASE"

    # Same apt sources as the official bookworm images (and this host): main + updates + security.
    rm -f "$MINBASE/etc/apt/sources.list"
    cat >"$MINBASE/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

    # Like the official slim images: keep docs, man pages and locales out of later installs.
    cat >"$MINBASE/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    # Keep images small: never pull in Recommends, drop downloaded .debs after installs.
    cat >"$MINBASE/etc/apt/apt.conf.d/docker-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
EOF
    # ... and drop those debootstrap already installed (as the official slim images do).
    find "$MINBASE/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$MINBASE/usr/share/doc" -mindepth 1 -type d -empty -delete
    local d
    for d in man groff info lintian linda locale; do
        rm -rf --one-file-system "${MINBASE:?}/usr/share/$d"
        mkdir -p "$MINBASE/usr/share/$d"
    done

    log "apt-get upgrade in the minbase rootfs ($SUITE-updates, $SUITE-security)"
    chroot_apt "$MINBASE" minbase-upgrade "apt-get update -q; apt-get upgrade -y -q; apt-get clean"
    touch "$MINBASE_OK"
    MINBASE_BUILT_NOW=1
    log "minbase rootfs ready in $((SECONDS - t0))s ($(du -sh --one-file-system "$MINBASE" | cut -f1))"
}

# ---------------------------------------------------------------------------------------------
# build_image PRIMARY_TAG "ALIAS_TAGS" "EXTRA_PACKAGES" "ROOTFS_SETUP" [import --change ...]...
#   ROOTFS_SETUP: shell code run on the host after the packages are installed, with $ROOTFS
#   set to the image's root directory ("" for none).
# ---------------------------------------------------------------------------------------------
build_image() {
    local primary=$1 aliases=$2 packages=$3 setup=$4
    shift 4
    local changes=("$@")

    if [[ $FORCE -eq 0 ]] && image_exists "$primary"; then
        log "$primary already exists, skipping (use --force to rebuild)"
    else
        ensure_minbase
        local t0=$SECONDS
        local rootfs
        rootfs=$(mktemp -d "$CACHE_DIR/work.XXXXXX")
        WORK_DIRS+=("$rootfs")
        log "$primary: copying minbase rootfs"
        cp -a "$MINBASE/." "$rootfs/"
        assert_our_rootfs "$rootfs"

        if [[ -n $packages ]]; then
            log "$primary: apt-get install $packages (chroot)"
            local t1=$SECONDS
            chroot_apt "$rootfs" "apt-${primary//[:\/]/_}" \
                "apt-get update -q; apt-get install -y -q $packages"
            log "$primary: apt-get took $((SECONDS - t1))s"
        fi

        if [[ -n $setup ]]; then
            ROOTFS=$rootfs eval "$setup"
        fi

        # Slim down: apt lists and caches are re-creatable with `apt-get update`.
        assert_our_rootfs "$rootfs"
        rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
            "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/apt/* \
            "$rootfs"/var/cache/debconf/*-old "$rootfs"/tmp/* "$rootfs"/var/tmp/*
        : >"$rootfs/etc/resolv.conf"    # Docker bind-mounts its own at run time
        echo "localhost" >"$rootfs/etc/hostname"

        log "$primary: docker import"
        local t2=$SECONDS
        local change_args=()
        local c
        for c in "${changes[@]}"; do change_args+=(--change "$c"); done
        tar --numeric-owner -C "$rootfs" -c . \
            | docker import "${change_args[@]}" \
                --message "cardmesh base image: debootstrap minbase $SUITE + ${packages:-nothing}" \
                - "$primary" >/dev/null
        log "$primary: import took $((SECONDS - t2))s; total $((SECONDS - t0))s;" \
            "size $(docker image inspect -f '{{.Size}}' "$primary" | awk '{printf "%.0f MB", $1/1e6}')"
        rm -rf --one-file-system "$rootfs"
    fi

    local alias
    for alias in $aliases; do
        if [[ $FORCE -eq 1 ]] || ! image_exists "$alias" \
            || [[ $(docker image inspect -f '{{.Id}}' "$alias") != $(docker image inspect -f '{{.Id}}' "$primary") ]]; then
            docker tag "$primary" "$alias"
            log "tagged $primary as $alias"
        fi
    done
}

T_START=$SECONDS
DEFAULT_PATH='PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

build_image debian:bookworm-slim "" "ca-certificates" "" \
    "ENV $DEFAULT_PATH" \
    'CMD ["bash"]'

build_image cardmesh/python-base:local "" "ca-certificates python3 python3-venv" "" \
    "ENV $DEFAULT_PATH" \
    'CMD ["python3"]'

# Official-image behaviour we rely on: port 6379 exposed, reachable from outside the
# container, data in /data, log lines on stdout (no config file => redis logs to stdout).
build_image redis:7 "redis:5.0" "redis-server" 'mkdir -p "$ROOTFS/data"' \
    "ENV $DEFAULT_PATH" \
    'EXPOSE 6379' \
    'WORKDIR /data' \
    'CMD ["redis-server","--bind","0.0.0.0","--protected-mode","no"]'

# The exact version docker-compose.yml pins (`image: redis:X.Y.Z`): a tag of this image, so
# that compose finds it locally, but never one that names another version than the image holds.
REDIS_PIN=$(sed -n 's/^ *image: *\(redis:[0-9][^ ]*\) *$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../docker-compose.yml" | head -n 1)
if [[ -n $REDIS_PIN ]]; then
    redis_version=$(docker run --rm --entrypoint redis-server redis:7 --version | sed -n 's/.* v=\([0-9.]*\) .*/\1/p')
    [[ ${REDIS_PIN#redis:} == "$redis_version" ]] \
        || die "docker-compose.yml pins $REDIS_PIN, but Debian's redis-server in redis:7 is ${redis_version:-unknown}: pin redis:$redis_version there"
    if ! image_exists "$REDIS_PIN" || [[ $(docker image inspect -f '{{.Id}}' "$REDIS_PIN") != $(docker image inspect -f '{{.Id}}' redis:7) ]]; then
        docker tag redis:7 "$REDIS_PIN"
        log "tagged redis:7 as $REDIS_PIN (redis-server $redis_version, docker-compose.yml's pin)"
    fi
fi

build_image cardmesh/node-base:local "" "ca-certificates nodejs" "" \
    "ENV $DEFAULT_PATH" \
    'CMD ["node"]'

log "images:"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.ID}}  {{.Size}}' \
    | grep -E '^(debian:bookworm-slim|redis:|cardmesh/(python|node)-base:)' | sed 's/^/  /' || true

# ---------------------------------------------------------------------------------------------
# Smoke test: redis:7 answers PING on a localhost-mapped port.
# ---------------------------------------------------------------------------------------------
SMOKE_CONTAINER=$(docker run -d -p 127.0.0.1::6379 redis:7)
port=$(docker port "$SMOKE_CONTAINER" 6379/tcp | head -n1 | sed 's/.*://')
deadline=$((SECONDS + 20))
reply=
until [[ $reply == PONG ]]; do
    if (( SECONDS >= deadline )); then
        docker logs "$SMOKE_CONTAINER" >&2 || true
        die "smoke test: redis:7 did not answer PING on 127.0.0.1:$port (last reply: '$reply')"
    fi
    sleep 0.5
    if command -v redis-cli >/dev/null; then
        reply=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)
    else
        reply=$(docker exec "$SMOKE_CONTAINER" redis-cli ping 2>/dev/null || true)
    fi
done
docker logs "$SMOKE_CONTAINER" 2>&1 | grep -q 'Ready to accept connections' \
    || die "smoke test: redis:7 did not log 'Ready to accept connections' on stdout"
docker rm -f "$SMOKE_CONTAINER" >/dev/null
SMOKE_CONTAINER=
log "smoke test OK: redis:7 answered PONG on 127.0.0.1:$port"
log "done in $((SECONDS - T_START))s"
