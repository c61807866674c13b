#!/usr/bin/env bash
# write_path.sh: what the I/O threads cost a write that does not block (issue 11): every change
# of the fs store runs on an I/O thread (server/http/io_pool.h) even under --fsync none, which
# adds a hop from the event loop to a thread and back. This compares builds on small writes
# with --fsync none: PUT 4 KiB and one-inner-chunk shard patches, on 1 connection (latency) and
# 16 (throughput), closed loop.
#
# Usage: tests/bench/write_path.sh [-d SECONDS] [-r ROUNDS] [-t THREADS] NAME=ZARRD ...
#   (default: build/server/zarrd as "current"). Rounds alternate the servers; each run starts
#   a fresh server (--threads THREADS, default 2, --fsync none) on a fresh root under $TMPDIR
#   and runs zarrd-bench load for SECONDS (default 5). Prints one line per run and the medians;
#   numbers are for tests/bench/RESULTS-http.md, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=5 rounds=3 threads=2
while getopts "d:r:t:" o; do
    case $o in
    d) seconds=$OPTARG ;;
    r) rounds=$OPTARG ;;
    t) threads=$OPTARG ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=("current=build/server/zarrd")
bench=build/client/zarrd-bench
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/write_path.XXXXXX")
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

run() { # NAME ZARRD OP CONNECTIONS
    rm -rf "$work/root"
    "$2" --listen 127.0.0.1:0 --root "$work/root" --threads "$threads" --fsync none \
        --log-level error >"$work/out" 2>"$work/err" &
    pid=$!
    local url=""
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on //p' "$work/out")
        [ -n "$url" ] && break
        sleep 0.05
    done
    $bench "$url" load -c "$4" --mix "$3=100" --value-size 4096 --keys 256 -d "$seconds" \
        --json "$work/r.json" >/dev/null
    kill "$pid"
    wait "$pid" || true
    pid=""
    $py - "$work/r.json" "$1" "$3" "$4" <<'PY' | tee -a "$work/all"
import json, sys
d = json.load(open(sys.argv[1]))
op = d["ops"][sys.argv[3]]
print(f"{sys.argv[2]:<10} {sys.argv[3]:<6} {sys.argv[4]:>3} {d['requests_per_s']:9.0f} "
      f"{op['p50_us']:8.0f} {op['p99_us']:8.0f}")
PY
}

echo "write_path: $seconds s per run, $rounds rounds, --threads $threads --fsync none, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-6s %3s %9s %8s %8s\n' server op conn "req/s" "p50 us" "p99 us"
for r in $(seq "$rounds"); do
    for op in put shard; do
        for c in 1 16; do
            for s in "${servers[@]}"; do run "${s%%=*}" "${s#*=}" "$op" "$c"; done
        done
    done
done
echo "medians (req/s, p50 us, p99 us):"
$py - "$work/all" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, op, c, rps, p50, p99 = line.split()
    runs.setdefault((op, int(c), name), []).append((float(rps), float(p50), float(p99)))
for (op, c, name), v in sorted(runs.items()):
    m = [statistics.median(x[i] for x in v) for i in range(3)]
    print(f"  {op:<6} c={c:<3} {name:<10} {m[0]:9.0f} {m[1]:8.0f} {m[2]:8.0f}")
PY
