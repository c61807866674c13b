#!/usr/bin/env bash
# Runs the whole suite (tests/run.sh, both legs) N times in a row to show it is green every
# time, and prints a summary: each run's "tests: N passed, N failed" line, then every test that
# failed or timed out with how often, then "repeat: K of N runs green".
# Usage: tests/repeat.sh N [run.sh arguments, e.g. --quick]
# Each run's full output is kept in $REPEAT_LOGS (default: a new directory under /tmp) so a
# rare failure can be read afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."

n=${1:-}
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: tests/repeat.sh N [--quick]" >&2
    exit 2
fi
shift
logs=${REPEAT_LOGS:-$(mktemp -d /tmp/zarrd-repeat.XXXXXX)}
mkdir -p "$logs"

green=0
for i in $(seq 1 "$n"); do
    log="$logs/run-$i.log"
    start=$(date +%s)
    tests/run.sh "$@" >"$log" 2>&1
    rc=$?
    summary=$(grep '^tests: ' "$log" | tail -1)
    echo "repeat: run $i/$n: ${summary:-no summary line} (exit $rc, $(($(date +%s) - start)) s)"
    [ "$rc" -eq 0 ] && green=$((green + 1))
done

# meson prints one line per test: " 12/94 zarrd:integration / integ_large_memory   FAIL  4.32s";
# run.sh's check of a leg's TMPDIR: "TMPDIR check: the tests of build left this behind:"
failures=$(cat "$logs"/run-*.log |
    sed -nE -e 's#^ *[0-9]+/[0-9]+ +[^ ]+ / ([^ ]+) +(FAIL|TIMEOUT) .*#\1 \2#p' \
        -e 's#^TMPDIR check: the tests of ([^ ]+) left.*#tmpdir_leftovers_\1 FAIL#p' |
    sort | uniq -c | sort -rn)
if [ -n "$failures" ]; then
    echo "repeat: failed tests (count, name, kind):"
    echo "$failures" | sed 's/^/  /'
fi
echo "repeat: $green of $n runs green (logs in $logs)"
[ "$green" -eq "$n" ]
