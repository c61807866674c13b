#!/usr/bin/env bash
# smoke.sh: quick end-to-end check of zarrd-bench against a real zarrd (meson test bench_smoke).
# Starts zarrd on an ephemeral loopback port (memory store), runs `load` for about a second /
# a few hundred requests and one small `matrix` case, and checks that both exit 0, that the
# load run's reads were all verified (no bad_data, no errors) and that the matrix case
# verified its data. Usage: smoke.sh ZARRD ZARRD_BENCH
set -euo pipefail
zarrd=$1
bench=$2
tmp=$(mktemp -d)
server_pid=
cleanup() {
    local status=$?
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    # a failed run shows what the server said (a crash report, say) before it is deleted
    [ "$status" -eq 0 ] || { echo "== zarrd stderr"; cat "$tmp/zarrd.err" 2>/dev/null || true; }
    rm -rf "$tmp"
}
trap cleanup EXIT

"$zarrd" --listen 127.0.0.1:0 --store memory >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
server_pid=$!
url=
for _ in $(seq 100); do
    # the server may not have created its output file yet
    url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$tmp/zarrd.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$url" ]; then
    echo "smoke: zarrd did not start"
    cat "$tmp/zarrd.err"
    exit 1
fi

echo "== load against $url"
"$bench" "$url" load -c 2 -d 1 -n 400 --keys 50 --value-size 2K --range-size 300 \
    --mix get=40,range=20,put=20,patch=20 --json "$tmp/load.json" --plot "$tmp/load.svg" \
    | tee "$tmp/load.txt"
grep -q '"ok":' "$tmp/load.json" || { echo "smoke: no successful requests"; exit 1; }
if grep -Eq '"(bad_data|[45][0-9][0-9]|http|io|connect|timeout|other)":' "$tmp/load.json"; then
    echo "smoke: load run had failures"
    exit 1
fi
grep -q '</svg>' "$tmp/load.svg" || { echo "smoke: plot not written"; exit 1; }

echo "== matrix against $url"
"$bench" "$url" matrix --case idx/none/mixed --repeats 1 --json "$tmp/matrix.json" \
    | tee "$tmp/matrix.txt"
grep -q '"verified":[[:space:]]*true' "$tmp/matrix.json" || {
    echo "smoke: matrix case not verified"
    exit 1
}
echo "== writers against $url"
"$bench" "$url" writers -c 4 -d 0.3 --chunk-size 256 --shard-chunks 64 | tee "$tmp/writers.txt"
# both modes ran, with writes and no lost update (the command exits 1 on a lost update)
[ "$(awk '$1 == "server" || $1 == "rmw" { if ($3 > 0 && $NF == 0) n++ } END { print n + 0 }' \
    "$tmp/writers.txt")" = 2 ] || { echo "smoke: writers run incomplete"; exit 1; }
echo "smoke: ok"
