#!/bin/sh
# Entrypoint of a `prebuilt` cardmesh image whose binary was not in target/release/ when the
# image was built (see docker/Dockerfile). Says so instead of failing obscurely.
echo "cardmesh: this image was built with --target prebuilt, but the binary was missing from" >&2
echo "target/release/ at build time. Build the binaries and the images with" >&2
echo "scripts/build-images.sh, or build the default target (runtime), which compiles them." >&2
exit 1
