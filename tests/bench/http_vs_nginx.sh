#!/usr/bin/env bash
# tests/bench/http_vs_nginx.sh: zarrd against nginx over loopback, driven by wrk in one run.
# Installs nginx and wrk (Debian packages) if missing, builds a release zarrd in build-bench/,
# serves the same files from both (nginx: static root for GET, dav module for PUT), gives both
# the same number of workers (zarrd --threads N, nginx worker_processes N), and runs wrk with
# the same threads, connections and duration against each: GET 4 KiB, GET 1 MiB, PUT 4 KiB
# overwriting 1,000 existing keys, keep-alive. nginx is configured as it is deployed for static
# files: sendfile, access_log off, open_file_cache max=10000 (descriptors and metadata cached,
# revalidated every 60 s, nginx's default open_file_cache_valid). Each case runs REPS times
# alternating zarrd and nginx, and the best run of each counts, so a burst of other load on the
# machine hurts neither side alone. Prints a markdown report: machine, load, command, req/s,
# payload MB/s, p99 latency, non-2xx count, and the zarrd/nginx ratio per case. Not part of
# the test suite.
# Usage: tests/bench/http_vs_nginx.sh [-d SECONDS] [-r REPS] [-c CONNECTIONS] [-t WRK_THREADS]
#                                     [-w WORKERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh

duration=10
reps=2
conns=64
wrk_threads=2
workers=$(nproc)
while getopts "d:r:c:t:w:" opt; do
    case $opt in
    d) duration=$OPTARG ;;
    r) reps=$OPTARG ;;
    c) conns=$OPTARG ;;
    t) wrk_threads=$OPTARG ;;
    w) workers=$OPTARG ;;
    *) echo "usage: $0 [-d SECONDS] [-r REPS] [-c CONNECTIONS] [-t WRK_THREADS] [-w WORKERS]" >&2
       exit 2 ;;
    esac
done

bench_nginx_install || exit 1

# A release zarrd; build output is shown only when the build fails.
bench_build server/zarrd || exit 1

bench_workdir /tmp zarrd-bench

# The same data for both servers.
mkdir -p "$tmp/root/put" "$tmp/nginx-root/put" # PUTs overwrite these 1,000 keys
head -c 4096 /dev/urandom >"$tmp/root/get4k"
head -c 1048576 /dev/urandom >"$tmp/root/get1m"
cp "$tmp/root/get4k" "$tmp/root/get1m" "$tmp/nginx-root/"
head -c 4096 /dev/urandom >"$tmp/put-body"
for i in $(seq 0 999); do
    cp "$tmp/put-body" "$tmp/root/put/k$i"
    cp "$tmp/put-body" "$tmp/nginx-root/put/k$i"
done

bench_zarrd_start build-bench/server/zarrd "$tmp" --store fs --threads "$workers" --fsync none \
    --max-body 67108864 || exit 1
zarrd_url=$url
bench_nginx_start "$tmp" "$workers" || exit 1
curl -fs -o /dev/null "$nginx_url/get4k" || { echo "nginx does not serve get4k" >&2; exit 1; }

# PUT overwrites of 1,000 keys (tests/bench/wrk_keys.lua)
export WRK_BODY="$tmp/put-body" WRK_PREFIX=/put/k WRK_TYPE=application/octet-stream

# run URL PATH [LUA] -> "req/s p99_ms non2xx", after a 2 s warm-up that is not counted
run() {
    local out
    wrk -t"$wrk_threads" -c"$conns" -d2s ${3:+-s "$3"} "$1$2" >/dev/null
    out=$(wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --latency ${3:+-s "$3"} "$1$2")
    echo "$out" >>"$tmp/wrk.log"
    awk -f tests/bench/wrk_summary.awk <<<"$out"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "## zarrd vs nginx, loopback, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $cpu; $(uname -sr); load average at start:" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: tests/bench/http_vs_nginx.sh -d $duration -r $reps -c $conns -t $wrk_threads -w $workers"
echo "- wrk $wrk_threads threads, $conns keep-alive connections, ${duration} s per run, best of $reps" \
    "alternating runs per server;" \
    "zarrd --threads $workers --store fs --fsync none; nginx worker_processes $workers, sendfile on," \
    "access_log off, open_file_cache max=10000"
echo "- $(nginx -v 2>&1), zarrd $(build-bench/server/zarrd --version | head -1)"
echo
echo "| case | server | req/s | MB/s (payload) | p99 ms | non-2xx (all runs) | zarrd/nginx req/s |"
echo "|---|---|---:|---:|---:|---:|---:|"
cases=("GET 4 KiB|/get4k||4096" "GET 1 MiB|/get1m||1048576"
    "PUT 4 KiB, overwrites of 1,000 keys|/put/k0|tests/bench/wrk_keys.lua|4096")
for c in "${cases[@]}"; do
    IFS='|' read -r name path lua bytes <<<"$c"
    z_rps=0 n_rps=0 z_bad=0 n_bad=0 # non-2xx: summed over all runs
    for _ in $(seq "$reps"); do
        read -r rps p99 bad <<<"$(run "$zarrd_url" "$path" "$lua")"
        z_bad=$((z_bad + bad))
        if awk -v a="$rps" -v b="$z_rps" 'BEGIN { exit !(a > b) }'; then
            z_rps=$rps z_p99=$p99
        fi
        read -r rps p99 bad <<<"$(run "$nginx_url" "$path" "$lua")"
        n_bad=$((n_bad + bad))
        if awk -v a="$rps" -v b="$n_rps" 'BEGIN { exit !(a > b) }'; then
            n_rps=$rps n_p99=$p99
        fi
    done
    ratio=$(awk -v a="$z_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    for s in zarrd nginx; do
        if [ $s = zarrd ]; then rps=$z_rps p99=$z_p99 bad=$z_bad; else rps=$n_rps p99=$n_p99 bad=$n_bad; fi
        mbs=$(awk -v r="$rps" -v b="$bytes" 'BEGIN { printf "%.1f", r * b / 1e6 }')
        printf "| %s | %s | %.0f | %s | %.2f | %s | %s |\n" "$name" "$s" "$rps" "$mbs" "$p99" "$bad" \
            "$([ $s = zarrd ] && echo "$ratio" || echo "")"
    done
done
