#!/usr/bin/env bash
# load_levels.sh: zarrd's closed-loop maximum and its open-loop latency below it (issue 14 item
# 5). Builds a release zarrd and zarrd-bench in build-bench/, starts zarrd on an ephemeral
# loopback port (fs store, --fsync none, a fresh root), then with `zarrd-bench load` and the
# default mix (get=60,range=10,put=20,patch=10, 1,000 keys of 4 KiB):
#   1. closed loop, C connections, D seconds: the maximum request rate;
#   2. open loop (--rate, latency from the scheduled send time, so stalls are not hidden) at
#      50% and 80% of that maximum, same connections and duration.
# Repeats the three runs R times (alternating levels within each repeat) and prints a markdown
# table: level, offered rate, achieved rate, p50/p90/p99/p99.9/max (ms), errors, missed sends.
# Not a test: numbers are reported, never asserted.
# Usage: tests/bench/load_levels.sh [-c CONNECTIONS] [-d SECONDS] [-r REPEATS] [-t THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh

conns=64
duration=8
reps=3
threads=$(nproc)
while getopts "c:d:r:t:" opt; do
    case $opt in
    c) conns=$OPTARG ;;
    d) duration=$OPTARG ;;
    r) reps=$OPTARG ;;
    t) threads=$OPTARG ;;
    *) echo "usage: $0 [-c CONNECTIONS] [-d SECONDS] [-r REPEATS] [-t THREADS]" >&2; exit 2 ;;
    esac
done

bench_build server/zarrd client/zarrd-bench || exit 1

tmp=$(mktemp -d /tmp/zarrd-load.XXXXXX)
zarrd_pid=
cleanup() {
    [ -n "$zarrd_pid" ] && kill "$zarrd_pid" 2>/dev/null && wait "$zarrd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

build-bench/server/zarrd --listen 127.0.0.1:0 --root "$tmp/root" --store fs --threads "$threads" \
    --fsync none >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
zarrd_pid=$!
url=
for _ in $(seq 200); do
    url=$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$tmp/zarrd.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    sleep 0.05
done
[ -n "$url" ] || { cat "$tmp/zarrd.err" >&2; echo "zarrd did not start" >&2; exit 1; }

bench=build-bench/client/zarrd-bench
# run NAME [RATE]: one load run; prints "offered achieved p50 p90 p99 p999 max errors missed"
run() {
    local json="$tmp/$1.json"
    "$bench" "$url" load -c "$conns" -d "$duration" ${2:+--rate "$2"} --prefix "bench/levels" \
        --json "$json" >"$tmp/$1.txt"
    /usr/bin/python3 - "$json" "${2:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lat = d["latency"]
errors = sum(v for k, v in d["outcomes"].items() if k != "ok")
offered = sys.argv[2] or "closed"
print(offered, "%.0f" % d["requests_per_s"],
      " ".join("%.3f" % (lat[k] / 1000) for k in ("p50_us", "p90_us", "p99_us", "p99_9_us", "max_us")),
      errors, d["missed"])
PY
}

echo "## Load levels: closed-loop maximum and open loop at 50% / 80% of it, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//');" \
    "$(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: tests/bench/load_levels.sh -c $conns -d $duration -r $reps -t $threads"
echo "- zarrd --threads $threads --store fs --fsync none; zarrd-bench load -c $conns -d $duration," \
    "default mix get=60,range=10,put=20,patch=10, 1000 keys x 4 KiB; open loop: latency from" \
    "the scheduled send time"
echo
echo "| repeat | level | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | missed |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in $(seq "$reps"); do
    read -r _ max rest <<<"$(run "closed-$r")"
    echo "| $r | closed loop | - | $max | $(echo "$rest" | tr ' ' '|' | sed 's/|/ | /g') |"
    for pct in 50 80; do
        rate=$(awk -v m="$max" -v p="$pct" 'BEGIN { printf "%.0f", m * p / 100 }')
        read -r offered achieved rest <<<"$(run "open$pct-$r" "$rate")"
        echo "| $r | open $pct% | $offered | $achieved | $(echo "$rest" | tr ' ' '|' | sed 's/|/ | /g') |"
    done
done
