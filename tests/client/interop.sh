#!/bin/sh
# interop.sh: zarrd-client against zarrita, an independent Zarr v3 implementation (npm).
# Installs zarrita into a temporary directory, starts a real zarrd on an ephemeral port and
# runs interop.mjs (zarrita reads what zarrd-cli wrote, zarrd-cli reads what zarrita wrote,
# zarrita reads 10,000 inner chunks at once through a server capped at 500 connections).
# Exit 77 (skipped) when node/npm are missing or npm cannot install zarrita (no network).
# Usage: interop.sh ZARRD ZARRD_CLI INTEROP_MJS
set -u
zarrd=$1 cli=$2 script=$3
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || {
    echo "interop: node/npm not installed, skipping"
    exit 77
}
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if ! (cd "$tmp" && timeout 180 npm install --silent --no-audit --no-fund --prefer-offline \
    zarrita@0.7 >npm.log 2>&1); then
    echo "interop: cannot install zarrita from npm, skipping"
    tail -5 "$tmp/npm.log"
    exit 77
fi
cp "$script" "$tmp/interop.mjs"

mkdir "$tmp/root"
# A low connection cap, so zarrita's one-connection-per-chunk read of c/many_inner overflows
# it. The suite reads 2,000 of its inner chunks (4x the cap): Node's fetch spends 5-10 ms on
# each new connection, so the 10,000 take 30-60 s; INTEROP_MANY_ROWS=100 runs those.
export INTEROP_MANY_ROWS=${INTEROP_MANY_ROWS:-20}
"$zarrd" --listen 127.0.0.1:0 --root "$tmp/root" --max-connections 500 \
    >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
pid=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$tmp/zarrd.out" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "interop: zarrd did not start"
    cat "$tmp/zarrd.err"
    exit 1
fi
node "$tmp/interop.mjs" "$url/" "$cli"
