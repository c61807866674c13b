#!/usr/bin/env bash
# Installs zarrd's build and test dependencies on a fresh Debian 12 machine
# (idempotent: apt-get runs only when a package is missing) and builds the
# project into ./build.  Usage: deploy/setup.sh [--no-build]
# nginx is only for the scale-out test (tests/production/scaleout.sh runs its own
# instances on loopback ports): installing it must not start a system nginx on port 80.
set -euo pipefail

packages=(meson ninja-build pkg-config gcc libuv1-dev libzstd-dev zlib1g-dev
          libcjson-dev libcriterion-dev node-llhttp curl zstd gzip clang-format nginx)

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
    # Debian starts services on install unless policy-rc.d says no (exit 101); say no for the
    # duration of this install when no policy is in place already.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" || status=$?
    [ "$own_policy" -eq 0 ] || $sudo rm -f "$policy"
    [ "${status:-0}" -eq 0 ] || exit "$status"
fi

[ "${1:-}" = "--no-build" ] && exit 0

cd "$(dirname "$0")/.."
[ -d build ] || meson setup build --buildtype=release
ninja -C build
