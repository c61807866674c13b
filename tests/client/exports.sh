#!/usr/bin/env bash
# exports.sh: the `client_exports` test: the shared library exports exactly the functions that
# the public header declares. Its version script (client/zarrd-client.map) lists them by hand, so
# a function added to zarrd/client.h but not to the map links in the tests (which use the static
# library) and fails for every program linked against libzarrd-client.so. Usage:
# exports.sh HEADER SHARED_LIBRARY
set -euo pipefail
header=$1
lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# declarations: a line that opens with a type (no comment, no preprocessor) naming zc_*(
grep -E '^[a-z].*[ *](zc_[a-z0-9_]+)\(' "$header" | sed -E 's/.*[ *](zc_[a-z0-9_]+)\(.*/\1/' |
    sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort -u >"$tmp/exported"
[ -s "$tmp/declared" ] || { echo "exports: no declaration found in $header"; exit 1; }
if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
    echo "exports: $lib does not export exactly what $header declares"
    echo "(- declared, not exported: add it to client/zarrd-client.map; + exported, not declared)"
    grep -E '^[-+]zc_' "$tmp/diff"
    exit 1
fi
echo "exports: the $(wc -l <"$tmp/declared") functions of $(basename "$header"), nothing else"
