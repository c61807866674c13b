#!/usr/bin/env bash
# loop_stall.sh: does a durable writer stall the readers? (issue 11, "blocking work off the
# loops"). 16 connections GET 4 KiB values while one client PUTs 1 MiB values with
# --fsync always; the GET latency percentiles are compared with the same GET load without the
# writer. A server that fsyncs on its event loops makes every GET of that loop wait for the
# disk; one that syncs on I/O threads should keep GET p99 near the writer-less run.
#
# Usage: tests/bench/loop_stall.sh [-d SECONDS] [-r ROUNDS] [-t THREADS] [-R RATE] [NAME=ZARRD ...]
#   default: the zarrd of build/ as "current"; give NAME=PATH pairs to compare builds (e.g. a
#   build of the commit before, as "before"). Rounds alternate the servers and the with/without
#   order, so drifting machine load hits every variant alike. Each run starts a fresh server
#   (--threads THREADS, default 2) on a fresh root under $TMPDIR (a real disk: fsync must cost
#   what it costs), preloads the values, and runs zarrd-bench load (closed loop) for SECONDS
#   (default 10). The readers run open loop at RATE GETs per second in all (default 8000,
#   --rate of zarrd-bench: latency is counted from each request's scheduled time, so a stall
#   shows as latency, and the readers leave the writer and the server CPU to spare); -R 0 makes
#   them closed loop (as fast as they can). Prints one line per run and a summary of medians per
#   server; numbers are for the report (tests/bench/RESULTS-http.md), never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=10 rounds=3 threads=2 rate=8000
while getopts "d:r:t:R:" o; do
    case $o in
    d) seconds=$OPTARG ;;
    r) rounds=$OPTARG ;;
    t) threads=$OPTARG ;;
    R) rate=$OPTARG ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=("current=build/server/zarrd")
bench=build/client/zarrd-bench
py=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/loop_stall.XXXXXX")
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

start() { # start ZARRD: sets pid and url
    rm -rf "$work/root"
    "$1" --listen 127.0.0.1:0 --root "$work/root" --threads "$threads" --fsync always \
        --log-level error >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on //p' "$work/out")
        [ -n "$url" ] && return 0
        sleep 0.05
    done
    echo "zarrd did not start: $(cat "$work/err")" >&2
    exit 1
}

stop() {
    kill "$pid"
    wait "$pid" || true
    pid=""
}

field() { # JSON FILE, OP, FIELD
    $py -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['ops'][sys.argv[2]][sys.argv[3]] if sys.argv[2] in d['ops'] else 0)" "$@"
}

run() { # NAME ZARRD WRITER(0|1)
    start "$2"
    local wpid=""
    if [ "$3" = 1 ]; then
        $bench "$url" load -c 1 --mix put=100 --value-size 1048576 --keys 8 --prefix bench/writer \
            -d "$seconds" --json "$work/w.json" >/dev/null &
        wpid=$!
    fi
    local open=()
    [ "$rate" != 0 ] && open=(--rate "$rate")
    $bench "$url" load -c 16 --mix get=100 --value-size 4096 --keys 256 --prefix bench/readers \
        -d "$seconds" "${open[@]}" --json "$work/r.json" >/dev/null
    [ -n "$wpid" ] && wait "$wpid"
    stop
    local puts=0
    [ "$3" = 1 ] && puts=$($py -c "import json; print(json.load(open('$work/w.json'))['requests'])")
    local rps p50 p99 p999
    rps=$($py -c "import json; print(round(json.load(open('$work/r.json'))['requests_per_s']))")
    p50=$(field "$work/r.json" get p50_us)
    p99=$(field "$work/r.json" get p99_us)
    p999=$(field "$work/r.json" get p99_9_us)
    printf '%-10s %-8s %8s %9.0f %9.0f %9.0f %6s\n' "$1" "$([ "$3" = 1 ] && echo yes || echo no)" \
        "$rps" "$p50" "$p99" "$p999" "$puts"
    echo "$1 $3 $p99" >>"$work/p99"
}

echo "loop_stall: $seconds s per run, $rounds rounds, readers $([ "$rate" = 0 ] && echo "closed loop" || echo "$rate GET/s"), --threads $threads --fsync always, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-8s %8s %9s %9s %9s %6s\n' server writer "GET/s" "p50 us" "p99 us" "p99.9 us" PUTs
for r in $(seq "$rounds"); do
    for s in "${servers[@]}"; do
        name=${s%%=*} bin=${s#*=}
        if [ $((r % 2)) = 1 ]; then run "$name" "$bin" 0; run "$name" "$bin" 1
        else run "$name" "$bin" 1; run "$name" "$bin" 0; fi
    done
done
echo "median GET p99 (us): with the writer / without, per server"
$py - "$work/p99" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, writer, p99 = line.split()
    runs.setdefault(name, {}).setdefault(writer, []).append(float(p99))
for name, r in runs.items():
    w, n = statistics.median(r.get("1", [0])), statistics.median(r.get("0", [0]))
    print(f"  {name}: {w:.0f} / {n:.0f} = {w / n:.2f}x" if n else f"  {name}: no data")
PY
