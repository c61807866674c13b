#!/usr/bin/env bash
# writes_vs_zarrita.sh: fresh-key unsharded writes, zarrd against zarrita on a local directory,
# alternating in one run (issue 14: ">= 1.5x zarrita"). Each round writes the e2e/c1000 arrays
# (1,000 chunks of 1,000 bytes, codec none, then gzip) 3 times with zarrita's FileSystemStore
# into a directory and 3 times through a release zarrd (fs store, --fsync none) whose root is
# beside it, so both meet the same disk, directory placement and writeback; side_by_side.sh
# runs all of zarrd's cases before all of zarrita's, minutes apart, and on this VM the file
# system's create rate moves 10x between minutes. Prints each round and the median ratios.
# Not a test: numbers are reported only.
# Usage: tests/bench/writes_vs_zarrita.sh [-r ROUNDS] [-d PARENT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh
bench_rounds_and_parent "$@"
bench_build server/zarrd client/zarrd-bench || exit 1
bench_workdir "$parent" zarrd-writes
note=$(zarrita_install "$tmp") || { echo "writes_vs_zarrita: $note" >&2; exit 1; }
bench_zarrd_start build-bench/server/zarrd "$tmp" --fsync none || exit 1

echo "## fresh-key writes: zarrd vs zarrita on a local directory, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- command: $0 -r $rounds -d $parent; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $note, node $(node --version)"
echo "- each: e2e/c1000/{none,gzip}/write, median of 3 writes (zarrita: ZARRITA_CASES;"
echo "  zarrd: zarrd-bench matrix --case ... --repeats 3, a fresh prefix per round)"
echo
echo "| round | zarrita none ms | zarrd none ms | zarrita/zarrd | zarrita gzip ms | zarrd gzip ms | zarrita/zarrd |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
none_ratios=() gzip_ratios=()
for r in $(seq "$rounds"); do
    mkdir -p "$tmp/zarrita-$r"
    ZARRITA_CASES=e2e/c1000/none/write,e2e/c1000/gzip/write node "$tmp/node/zarrita_bench.mjs" \
        local "$tmp/zarrita-$r" "$tmp/root" 3 512 >"$tmp/zl.json"
    rm -rf "$tmp/zarrita-$r"
    zl() { node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
        const c = r.find((x) => x.name === process.argv[2]);
        if (!c || c.median_ms === undefined) process.exit(1);
        console.log(c.median_ms.toFixed(3));' "$tmp/zl.json" "$1"; }
    zn=$(zl e2e/c1000/none/write) zg=$(zl e2e/c1000/gzip/write)
    zd() { build-bench/client/zarrd-bench "$url" matrix --case "$1" --repeats 3 \
        --prefix "bench/r$r" | awk -v c="$1" '$1 == c {print $2}'; }
    dn=$(zd e2e/c1000/none/write) dg=$(zd e2e/c1000/gzip/write)
    rn=$(awk -v a="$zn" -v b="$dn" 'BEGIN {printf "%.2f", a / b}')
    rg=$(awk -v a="$zg" -v b="$dg" 'BEGIN {printf "%.2f", a / b}')
    none_ratios+=("$rn")
    gzip_ratios+=("$rg")
    echo "| $r | $zn | $dn | $rn | $zg | $dg | $rg |"
done
echo
echo "median zarrita/zarrd: none $(bench_median "${none_ratios[@]}")x, gzip" \
    "$(bench_median "${gzip_ratios[@]}")x (goal: >= 1.5x)"
