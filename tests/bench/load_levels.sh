#!/usr/bin/env bash
# load_levels.sh: zarrd's closed-loop maximum and its open-loop latency below it (issue 14 item
# 5). Builds a release zarrd and zarrd-bench in build-bench/, starts zarrd on an ephemeral
# loopback port (fs store, --fsync none, a fresh root), then with `zarrd-bench load` and the
# default mix (get=60,range=10,put=20,patch=10, 1,000 keys of 4 KiB):
#   1. closed loop, C connections, D seconds: the maximum request rate;
#   2. open loop (--rate, latency from the scheduled send time, so stalls are not hidden) at
#      50% and 80% of that maximum, same connections and duration.
# Each with both of the generator's engines: a thread per connection (the public client), and
# L event loops driving the same connections (--loops, wrk2-style; default L = 1). On a machine
# of two cores the 64 threads of the first add their own scheduling to the latency they
# measure; the second measures the server. Each engine's open loop runs at 50% and 80% of its
# own closed-loop maximum.
# Before the runs, the header gives the machine's own stalls on each idle CPU (hiccups.c, 5 s).
# -e ENGINES picks the engines ("threads loops", the default; or one of them).
# -P pins zarrd (all its threads) to CPU 0 and zarrd-bench to CPU 1, so that the generator
# takes the other core as another machine would, instead of competing with the server's
# threads for both (use it with -t 1).
# -m MIX sets the mix (zarrd-bench's --mix). -N adds nginx as it is deployed (the settings of
# http_vs_nginx.sh, worker_processes THREADS, pinned as zarrd with -P), driven by the same
# generator at its own closed-loop maximum and 50% / 80% of it; nginx serves get, range and
# put (dav), so -N takes a mix of those only, by default get=60,range=20,put=20.
# Repeats the runs (three levels per server and engine) R times, alternating servers, engines
# and levels within each repeat, and prints a markdown table: server, engine, level, offered
# rate, achieved rate, p50/p90/p99/p99.9/max (ms), errors, missed sends, and the p99 of the
# generator's own lateness (open loop: how late it sent requests whose connection was free in
# time; a large one means the generator, not the server, made the latency). Not a test:
# numbers are reported, never asserted.
# zarrd's root is in a fresh directory under PARENT_DIR (default $TMPDIR or /tmp): on this VM
# the root file system has no journal, and its slow creates after deletes show in the tail;
# -D /mnt/e4 (a journaled image, RESULTS-http.md) measures the same server on a steadier one.
# Usage: tests/bench/load_levels.sh [-c CONNECTIONS] [-d SECONDS] [-r REPEATS] [-t THREADS]
#        [-l LOOPS] [-e ENGINES] [-m MIX] [-N] [-P] [-D PARENT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh

conns=64
duration=8
reps=3
threads=$(nproc)
loops=1
engines="threads loops"
mix=
peer=
pin=
parent=${TMPDIR:-/tmp}
usage="usage: $0 [-c CONNECTIONS] [-d SECONDS] [-r REPEATS] [-t THREADS] [-l LOOPS] [-e ENGINES] [-m MIX] [-N] [-P] [-D PARENT_DIR]"
while getopts "c:d:r:t:l:e:m:NPD:" opt; do
    case $opt in
    c) conns=$OPTARG ;;
    d) duration=$OPTARG ;;
    r) reps=$OPTARG ;;
    t) threads=$OPTARG ;;
    l) loops=$OPTARG ;;
    e) engines=$OPTARG ;;
    m) mix=$OPTARG ;;
    N) peer=1 ;;
    P) pin=1 ;;
    D) parent=$OPTARG ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
if [ -n "$peer" ]; then
    mix=${mix:-get=60,range=20,put=20}
    if [[ $mix =~ patch|shard|batch ]]; then
        echo "$0: -N takes a mix of get, range and put only (nginx serves no other)" >&2
        exit 2
    fi
    bench_nginx_install || exit 1
fi
mix=${mix:-get=60,range=10,put=20,patch=10}

bench_build server/zarrd client/zarrd-bench || exit 1

bench_workdir "$parent" zarrd-load
bench_zarrd_start build-bench/server/zarrd "$tmp" --store fs --threads "$threads" --fsync none ||
    exit 1

servers="zarrd"
declare -A server_url=([zarrd]=$url)
if [ -n "$peer" ]; then
    bench_nginx_start "$tmp" "$threads" || exit 1
    servers="zarrd nginx"
    server_url[nginx]=$nginx_url
fi
bench=build-bench/client/zarrd-bench
if [ -n "$pin" ]; then
    taskset -a -p -c 0 "$zpid" >/dev/null
    if [ -n "$peer" ]; then # the master and its workers
        for p in "$npid" $(pgrep -P "$npid"); do taskset -a -p -c 0 "$p" >/dev/null; done
    fi
    bench="taskset -c 1 $bench"
fi
# run NAME URL ENGINE_OPTS [RATE]: one load run; prints
# "offered achieved p50 p90 p99 p999 max errors missed late99"
run() {
    local json="$tmp/$1.json"
    sync # the writeback of the run before happens now, not during this one
    # shellcheck disable=SC2086 # $bench may be taskset's command line, $3 words or none
    $bench "$2" load -c "$conns" $3 -d "$duration" ${4:+--rate "$4"} --mix "$mix" \
        --prefix "bench/levels" --json "$json" >"$tmp/$1.txt"
    /usr/bin/python3 - "$json" "${4:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lat = d["latency"]
errors = sum(v for k, v in d["outcomes"].items() if k != "ok")
offered = sys.argv[2] or "closed"
print(offered, "%.0f" % d["requests_per_s"],
      " ".join("%.3f" % (lat[k] / 1000) for k in ("p50_us", "p90_us", "p99_us", "p99_9_us", "max_us")),
      errors, d["missed"],
      "%.3f" % (d["generator_late"]["p99_us"] / 1000) if "generator_late" in d else "-")
PY
}

echo "## Load levels: closed-loop maximum and open loop at 50% / 80% of it, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//');" \
    "$(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# the machine's own stalls before the runs (tests/bench/hiccups.c, one copy per CPU, 5 s):
# the floor under every tail below
if cc -O2 -o "$tmp/hiccups" tests/bench/hiccups.c 2>/dev/null; then
    pids=()
    for cpu in $(seq 0 $(($(nproc) - 1))); do
        taskset -c "$cpu" "$tmp/hiccups" 5 >"$tmp/hiccups.$cpu" &
        pids+=($!)
    done
    wait "${pids[@]}" # not zarrd, also a job of this shell
    for cpu in $(seq 0 $(($(nproc) - 1))); do
        echo "- CPU $cpu idle, $(sed 's/^hiccups over 5.0 s/stalls in 5 s/' "$tmp/hiccups.$cpu")"
    done
fi
echo "- command: tests/bench/load_levels.sh -c $conns -d $duration -r $reps -t $threads -l $loops" \
    "-e '$engines' -m $mix${peer:+ -N}${pin:+ -P} -D $parent"
[ -n "$pin" ] && echo "- pinned: the server${peer:+s} on CPU 0, zarrd-bench on CPU 1"
nginx_desc=
if [ -n "$peer" ]; then
    nginx_desc="; $(nginx -v 2>&1 | sed 's/.*: //') worker_processes $threads, sendfile,"
    nginx_desc+=" access_log off, open_file_cache max=10000"
fi
echo "- zarrd --threads $threads --store fs --fsync none$nginx_desc; zarrd-bench" \
    "load -c $conns -d $duration, mix $mix, 1000 keys x 4 KiB; open loop: latency from the" \
    "scheduled send time; engines: threads = a thread per connection, loops = $conns" \
    "connections on $loops event loop(s)"
echo
echo "| repeat | server | engine | level | offered req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | missed | generator late p99 ms |"
echo "|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row() { echo "$1" | tr ' ' '|' | sed 's/|/ | /g'; }
for r in $(seq "$reps"); do
    for server in $servers; do
        for engine in $engines; do
            opts=
            [ "$engine" = loops ] && opts="-l $loops"
            name=$server-$engine
            read -r _ max rest <<<"$(run "$name-closed-$r" "${server_url[$server]}" "$opts")"
            echo "| $r | $server | $engine | closed loop | - | $max | $(row "$rest") |"
            for pct in 50 80; do
                rate=$(awk -v m="$max" -v p="$pct" 'BEGIN { printf "%.0f", m * p / 100 }')
                read -r offered achieved rest <<<"$(run "$name-open$pct-$r" "${server_url[$server]}" \
                    "$opts" "$rate")"
                echo "| $r | $server | $engine | open $pct% | $offered | $achieved | $(row "$rest") |"
            done
        done
    done
done
