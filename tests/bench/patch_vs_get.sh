#!/usr/bin/env bash
# patch_vs_get.sh: a one-inner-chunk shard patch against a 1-byte GET, on one connection each,
# alternating in one run (issue 14: "shard patch p50 within 1.2x of a 1-byte GET"). A release
# zarrd (--threads 1, fs store, --fsync none) on a temporary root; each round runs
# `zarrd-bench URL load -c 1 -d SECONDS --value-size 1 --keys 64` with --mix get=100, then
# --mix shard=100 (one 1-byte inner chunk through the shard endpoint; the run reads every
# chunk back and counts wrong ones). Prints each round's p50s and their ratio, and the median.
# Not a test: numbers are reported only.
# Usage: tests/bench/patch_vs_get.sh [-r ROUNDS] [-d SECONDS] [-z ZARRD] [-b ZARRD_BENCH]
#   -z/-b run other binaries (e.g. an older build's) instead of this tree's release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh
rounds=3
seconds=3
zarrd=build-bench/server/zarrd
bench=build-bench/client/zarrd-bench
while getopts "r:d:z:b:" opt; do
    case $opt in
    r) rounds=$OPTARG ;;
    d) seconds=$OPTARG ;;
    z) zarrd=$OPTARG ;;
    b) bench=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-d SECONDS] [-z ZARRD] [-b ZARRD_BENCH]" >&2; exit 2 ;;
    esac
done
bench_build server/zarrd client/zarrd-bench || exit 1
bench_workdir "${TMPDIR:-/var/tmp}" zarrd-patch
bench_zarrd_start "$zarrd" "$tmp" --threads 1 --fsync none || exit 1

echo "## shard patch vs 1-byte GET, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- command: $0 -r $rounds -d $seconds -z $zarrd -b $bench"
echo "- this tree at $(git rev-parse --short HEAD 2>/dev/null || echo "?") (the binaries: see -z, -b); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | GET p50 us | patch p50 us | patch/GET | chunks wrong |"
echo "|---:|---:|---:|---:|---:|"
ratios=()
p50() { awk -v op="$1" '$1 == op && $2 ~ /^[0-9]+$/ {print $3}'; }
for r in $(seq "$rounds"); do
    g=$("$bench" "$url" load -c 1 -d "$seconds" --value-size 1 --keys 64 --mix get=100 | p50 get)
    out=$("$bench" "$url" load -c 1 -d "$seconds" --value-size 1 --keys 64 --mix shard=100)
    s=$(echo "$out" | p50 shard)
    wrong=$(echo "$out" | sed -n 's/.* \([0-9]*\) WRONG.*/\1/p')
    ratio=$(awk -v s="$s" -v g="$g" 'BEGIN {printf "%.2f", s / g}')
    ratios+=("$ratio")
    echo "| $r | $g | $s | $ratio | ${wrong:-?} |"
done
median=$(bench_median "${ratios[@]}")
echo
echo "median patch/GET: ${median}x (goal: within 1.2x)"
