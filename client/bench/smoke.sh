#!/usr/bin/env bash
# smoke.sh: quick end-to-end check of zarrd-bench against a real zarrd (meson test bench_smoke).
# Starts zarrd on an ephemeral loopback port (memory store), runs `load` for about a second /
# a few hundred requests with each engine (threads, event loops, closed and open loop), one
# small `matrix` case and `writers`, and checks that they exit 0, that the load runs' reads
# were all verified (no bad_data, no errors), that wrong bytes are caught by both engines and
# that the matrix case verified its data. Usage: smoke.sh ZARRD ZARRD_BENCH
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

# clean JSON: a run whose requests all succeeded and whose reads all came back right
clean() {
    grep -q '"ok":' "$1" || { echo "smoke: no successful requests in $1"; exit 1; }
    if grep -Eq '"(bad_data|[45][0-9][0-9]|http|io|connect|timeout|other)":' "$1"; then
        echo "smoke: $1: the load run had failures"
        exit 1
    fi
}

echo "== load against $url"
"$bench" "$url" load -c 2 -d 1 -n 400 --keys 50 --value-size 2K --range-size 300 \
    --mix get=40,range=20,put=20,patch=20 --json "$tmp/load.json" --plot "$tmp/load.svg" \
    | tee "$tmp/load.txt"
clean "$tmp/load.json"
grep -q '</svg>' "$tmp/load.svg" || { echo "smoke: plot not written"; exit 1; }

echo "== bad uses of --loops are refused (exit 2) with a message, before any request"
refused() {
    local status=0
    "$bench" "$url" load "$@" >"$tmp/refused.out" 2>"$tmp/refused.err" || status=$?
    [ "$status" = 2 ] && grep -q "zarrd-bench load: " "$tmp/refused.err" ||
        { echo "smoke: 'load $*' exited $status"; cat "$tmp/refused.err"; exit 1; }
}
refused -c 2 -l 0
refused -c 2 -l 3
refused -c 2 -l 1 --mix get=1,shard=1
refused -c 2 -l x

echo "== load on event loops against $url"
"$bench" "$url" load -c 6 -l 2 -d 30 -n 600 --keys 50 --value-size 2K --range-size 300 \
    --mix get=40,range=20,put=20,patch=20 --json "$tmp/events.json" | tee "$tmp/events.txt"
clean "$tmp/events.json"
grep -q '"requests":[[:space:]]*600[,}]' "$tmp/events.json" || { echo "smoke: not 600 requests"; exit 1; }
# a prefix that must be percent-encoded: the event engine's requests name the same keys as
# the client's (the values it PUT and kept are there under the decoded name)
"$bench" "$url" load -c 2 -l 1 -d 30 -n 100 --keys 5 --mix get=1,put=1 --prefix 'smoke/a b%c' \
    --keep --json "$tmp/enc.json" | tee "$tmp/enc.txt"
clean "$tmp/enc.json"
/usr/bin/python3 - "${url##*:}" <<'PY' || { echo "smoke: the encoded prefix's keys are not there"; exit 1; }
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for k in range(5):
    conn.request("GET", "/smoke/a%%20b%%25c/k%d" % k)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or len(body) != 4096:
        sys.exit("k%d: %d, %d bytes" % (k, r.status, len(body)))
PY

# an open loop at 400 req/s for 1 s schedules 400 requests (4 connections, one every 10 ms
# each): every one is either answered or, if a slow answer held its connection past the end,
# counted as missed; the generator's lateness is reported for the sends it made on time
for engine in "" "-l 1"; do
    # shellcheck disable=SC2086 # the engine's option is one word or none
    "$bench" "$url" load -c 4 $engine -d 1 --rate 400 --keys 20 --json "$tmp/open.json" |
        tee "$tmp/open.txt"
    clean "$tmp/open.json"
    /usr/bin/python3 - "$tmp/open.json" <<'PY' || { echo "smoke: the open loop's sends do not add up to 400"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
late = d.get("generator_late", {"sends": 0})
sys.exit(not (d["requests"] > 0 and d["requests"] + d["missed"] == 400 and
              0 < late["sends"] <= d["requests"]))
PY
done
# at a rate no server answers on one connection (a request every microsecond for 0.1 s), the
# sends the connection could not make are counted as missed, and the two still add up
# (both engines)
for engine in "" "-l 1"; do
    # shellcheck disable=SC2086 # the engine's option is one word or none
    "$bench" "$url" load -c 1 $engine -d 0.1 --rate 1000000 --keys 20 --json "$tmp/over.json" |
        tee "$tmp/over.txt"
    /usr/bin/python3 - "$tmp/over.json" <<'PY' || { echo "smoke: an overrun's sends do not add up"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (d["requests"] > 0 and d["missed"] > 0 and d["requests"] + d["missed"] == 100000))
PY
done

# Both engines catch wrong bytes: while a get-only load runs, another client keeps
# overwriting its values with zeros through the same server; the run must fail with bad_data.
port=${url##*:}
for engine in "" "-l 1"; do
    echo "== wrong data is caught (engine: ${engine:-threads})"
    /usr/bin/python3 - "$port" <<'PY' &
import http.client, sys, time
end = time.time() + 2.5
conn = None
while time.time() < end:
    try:  # a connection that fails is opened again: the zeros must keep coming
        conn = conn or http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
        for k in range(4):
            conn.request("PUT", "/smoke/bad/k%d" % k, body=bytes(1024))
            conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        conn = None
PY
    writer=$!
    status=0
    # shellcheck disable=SC2086 # the engine's option is one word or none
    "$bench" "$url" load -c 2 $engine -d 2 --keys 4 --value-size 1K --mix get=1 \
        --prefix smoke/bad --json "$tmp/bad.json" >"$tmp/bad.txt" || status=$?
    wait "$writer"
    cat "$tmp/bad.txt"
    [ "$status" = 1 ] && grep -q '"bad_data":' "$tmp/bad.json" ||
        { echo "smoke: wrong bytes were not reported (exit $status)"; exit 1; }
done

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
