#!/usr/bin/env bash
# tests/bench/inplace_bench.sh: what the journaled in-place writes of plain values cost or save
# (server/API.md, "In-place writes"), measured against a zarrd built from an earlier commit, in
# one run. Builds both as release binaries (the earlier one from `git archive REF` into a
# temporary directory, this checkout's into build-bench/), serves a fresh copy of the same data
# from each and drives them with wrk: PUT 4 KiB overwriting 1,000 existing keys (before: a new
# file renamed over the key; after: a journal append and a write in place) and raw PATCH of
# 4 KiB at a random offset of 1,000 keys of 64 KiB (before: written straight into the file,
# which readers could see half done; after: journaled, then written), in each --fsync mode.
# Each case runs REPS times alternating the two servers; the best run of each counts. Prints a
# markdown table: req/s, p99, non-2xx and the after/before ratio. Not part of the test suite.
# Usage: tests/bench/inplace_bench.sh -b REF [-d SECONDS] [-r REPS] [-c CONNECTIONS]
#                                     [-m "none batch always"]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh

before_ref=
duration=8
reps=2
conns=32
modes="none batch always"
while getopts "b:d:r:c:m:" opt; do
    case $opt in
    b) before_ref=$OPTARG ;;
    d) duration=$OPTARG ;;
    r) reps=$OPTARG ;;
    c) conns=$OPTARG ;;
    m) modes=$OPTARG ;;
    *) echo "usage: $0 -b REF [-d SECONDS] [-r REPS] [-c CONNECTIONS] [-m MODES]" >&2; exit 2 ;;
    esac
done
[ -n "$before_ref" ] || { echo "usage: $0 -b REF (the commit to compare with)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing (deploy/setup.sh --test installs it)" >&2; exit 1; }
before_sha=$(git rev-parse --short "$before_ref^{commit}")

tmp=$(mktemp -d /tmp/zarrd-inplace.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

build() { # SRC BUILDDIR: a release zarrd; output shown only when the build fails
    local log
    log=$( ([ -f "$2/build.ninja" ] || meson setup "$2" "$1" --buildtype=release -Dtests=false) 2>&1 &&
        ninja -C "$2" server/zarrd 2>&1) || { echo "$log" >&2; exit 1; }
}
mkdir "$tmp/before-src"
git archive "$before_ref" | tar -x -C "$tmp/before-src"
build "$tmp/before-src" "$tmp/before-build"
build . build-bench
before_bin="$tmp/before-build/server/zarrd"
after_bin=build-bench/server/zarrd

# The data both servers start from (copied afresh for each run).
mkdir -p "$tmp/seed/put" "$tmp/seed/patch"
head -c 4096 /dev/urandom >"$tmp/body4k"
head -c 65536 /dev/urandom >"$tmp/body64k"
for i in $(seq 0 999); do
    cp "$tmp/body4k" "$tmp/seed/put/k$i"
    cp "$tmp/body64k" "$tmp/seed/patch/k$i"
done

# The loads (tests/bench/wrk_keys.lua): PUT of the 4 KiB body over 1,000 keys, raw PATCH of it
# at a random 4 KiB-aligned offset of 1,000 keys of 64 KiB.
export WRK_BODY="$tmp/body4k" WRK_SPAN=65536

start() { # BIN MODE: a server on a fresh copy of the data; sets pid and url
    rm -rf "$tmp/root"
    cp -r "$tmp/seed" "$tmp/root"
    "$1" --listen 127.0.0.1:0 --root "$tmp/root" --store fs --fsync "$2" \
        >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
    pid=$!
    url=$(zarrd_wait_url "$tmp/zarrd.out" "$tmp/zarrd.err") || exit 1
}
stop() {
    kill "$pid" && wait "$pid" 2>/dev/null || true
    pid=
}

# run BIN MODE METHOD PREFIX -> "req/s p99_ms non2xx", after a 2 s warm-up that is not counted
run() {
    local out
    start "$1" "$2"
    export WRK_METHOD=$3 WRK_PREFIX=$4
    wrk -t2 -c"$conns" -d2s -s tests/bench/wrk_keys.lua "$url/" >/dev/null
    out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s tests/bench/wrk_keys.lua "$url/")
    stop
    awk -f tests/bench/wrk_summary.awk <<<"$out"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "## In-place writes: $before_sha (before) vs $(git rev-parse --short HEAD) (after), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- machine: $(nproc) cores, $cpu; $(uname -sr); $(df -T "$tmp" | awk 'NR == 2 { print $2 }') under /tmp;" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: tests/bench/inplace_bench.sh -b $before_ref -d $duration -r $reps -c $conns -m \"$modes\""
echo "- wrk 2 threads, $conns keep-alive connections, ${duration} s per run after 2 s of warm-up, best of" \
    "$reps alternating runs; zarrd --store fs, default threads, a fresh copy of the data per run"
echo
echo "| case | --fsync | before req/s | after req/s | after/before | before p99 ms | after p99 ms | non-2xx |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for mode in $modes; do
    for c in "PUT 4 KiB over 1,000 keys|PUT|/put/k" "raw PATCH 4 KiB into 1,000 keys of 64 KiB|PATCH|/patch/k"; do
        IFS='|' read -r name method prefix <<<"$c"
        b_rps=0 a_rps=0 bad=0
        for _ in $(seq "$reps"); do
            read -r rps p99 n <<<"$(run "$before_bin" "$mode" "$method" "$prefix")"
            bad=$((bad + n))
            if awk -v a="$rps" -v b="$b_rps" 'BEGIN { exit !(a > b) }'; then b_rps=$rps b_p99=$p99; fi
            read -r rps p99 n <<<"$(run "$after_bin" "$mode" "$method" "$prefix")"
            bad=$((bad + n))
            if awk -v a="$rps" -v b="$a_rps" 'BEGIN { exit !(a > b) }'; then a_rps=$rps a_p99=$p99; fi
        done
        ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
        printf "| %s | %s | %.0f | %.0f | %s | %.2f | %.2f | %d |\n" "$name" "$mode" "$b_rps" "$a_rps" \
            "$ratio" "$b_p99" "$a_p99" "$bad"
    done
done
