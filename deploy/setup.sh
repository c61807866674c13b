#!/usr/bin/env bash
# Installs zarrd's Debian 12 packages (idempotent: apt-get runs only when a package is
# missing) and builds the project into ./build.
#   deploy/setup.sh              build dependencies, then build
#   deploy/setup.sh --no-build   build dependencies only
#   deploy/setup.sh --test       also the test peers (the third-party clients and servers the
#                                suite runs against); tests/run.sh calls it with --no-build
# Services in the installed packages (nginx, ...) are not started: the tests run their own
# instances on loopback ports.
set -euo pipefail

# What zarrd needs to build and run (libssl-dev: libcrypto's SHA-256 / HMAC / MD5 for S3;
# libexpat1-dev: the XML parser for S3 and WebDAV request bodies).
build_packages=(meson ninja-build pkg-config gcc libuv1-dev libzstd-dev zlib1g-dev
                libcjson-dev libcriterion-dev node-llhttp libssl-dev libexpat1-dev curl)

# Peers the test suite runs against, as users deploy them (/usr/bin/python3 is Debian's).
test_packages=(zstd gzip clang-format nginx wrk
               awscli python3-boto3 s3cmd rclone gdal-bin
               python3-fsspec python3-aiohttp python3-requests python3-zarr python3-pil
               cadaver litmus chromium)

build=1
want=("${build_packages[@]}")
for arg in "$@"; do
    case $arg in
    --no-build) build=0 ;;
    --test) want+=("${test_packages[@]}") ;;
    *)
        echo "usage: deploy/setup.sh [--no-build] [--test]" >&2
        exit 2
        ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    # Debian starts services on install unless policy-rc.d says no (exit 101); say no for the
    # duration of this install when no policy is in place already.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        "${missing[@]}" || status=$?
    [ "$own_policy" -eq 0 ] || $sudo rm -f "$policy"
    [ "${status:-0}" -eq 0 ] || exit "$status"
fi

[ "$build" -eq 1 ] || exit 0

cd "$(dirname "$0")/.."
[ -d build ] || meson setup build --buildtype=release
ninja -C build
