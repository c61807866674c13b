#!/usr/bin/env bash
# Installs zarrd's build and test dependencies on a fresh Debian 12 machine
# (idempotent: apt-get runs only when a package is missing) and builds the
# project into ./build.  Usage: deploy/setup.sh [--no-build]
set -euo pipefail

packages=(meson ninja-build pkg-config gcc libuv1-dev libzstd-dev zlib1g-dev
          libcjson-dev libcriterion-dev node-llhttp curl zstd gzip clang-format)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

[ "${1:-}" = "--no-build" ] && exit 0

cd "$(dirname "$0")/.."
[ -d build ] || meson setup build --buildtype=release
ninja -C build
