#!/usr/bin/env bash
# create_vs_floor.sh: fresh-key unsharded writes through zarrd against the file system's own
# floor, in one run, in the same place (issue 14: "within 1.3x of the local create floor").
# The floor (tests/bench/create_floor.c: create temp + write + rename of N keys in one
# directory, no server, no network) and `zarrd-bench matrix --case e2e/c1000/none/write`
# (1,000 fresh chunk keys through a release zarrd, fs store, --fsync none) alternate R rounds
# under one parent directory, so both see the same disk, directory placement and writeback:
# on this VM the floor of the same program moved from 18 to 250 ms between directories and
# minutes. Prints each round and the median ratio. Not a test: numbers are reported only.
# Usage: tests/bench/create_vs_floor.sh [-r ROUNDS] [-d PARENT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh
bench_rounds_and_parent "$@"
bench_build server/zarrd client/zarrd-bench || exit 1
bench_workdir "$parent" zarrd-floor
floor_bin=$tmp/create_floor
cc -O2 -std=c11 -D_GNU_SOURCE -pthread -o "$floor_bin" tests/bench/create_floor.c
bench_zarrd_start build-bench/server/zarrd "$tmp" --fsync none || exit 1

echo "## fresh-key writes vs the local create floor, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- command: $0 -r $rounds -d $parent; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- floor: create_floor --keys 1000 --size 1000 --threads $(nproc) --rounds 1: the atomic"
echo "  ways temp+rename (the issue's floor) and tmpfile+link (zarrd's own since O_TMPFILE), and"
echo "  create (open O_CREAT|O_TRUNC + write: not atomic, what zarrita's FileSystemStore does);"
echo "  zarrd: zarrd-bench matrix --case e2e/c1000/none/write --repeats 1 (1,000 fresh keys)"
echo
echo "| round | temp+rename ms | tmpfile+link ms | create ms | zarrd ms | zarrd/atomic floor | zarrd/create |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
ratios=()
for r in $(seq "$rounds"); do
    mkdir -p "$tmp/floor"
    floors=$("$floor_bin" "$tmp/floor" --keys 1000 --size 1000 --threads "$(nproc)" --rounds 1)
    rm -rf "$tmp/floor"
    pick() { awk -v v="$1" '$1 == v {print $2}' <<<"$floors"; }
    tr=$(pick temp+rename) tl=$(pick tmpfile+link) cr=$(pick create)
    z=$(build-bench/client/zarrd-bench "$url" matrix --case e2e/c1000/none/write --repeats 1 \
        --prefix "bench/r$r" | awk '$1 == "e2e/c1000/none/write" {print $2}')
    ratio=$(awk -v z="$z" -v a="$tr" -v b="$tl" 'BEGIN {f = a < b ? a : b; printf "%.2f", z / f}')
    vs_create=$(awk -v z="$z" -v c="$cr" 'BEGIN {printf "%.2f", z / c}')
    ratios+=("$ratio")
    echo "| $r | $tr | $tl | $cr | $z | $ratio | $vs_create |"
done
median=$(bench_median "${ratios[@]}")
echo
echo "median zarrd/atomic floor (the faster of temp+rename and tmpfile+link): ${median}x (goal: within 1.3x)"
