#!/usr/bin/env bash
# long_crash.sh: the long kill -9 run (not in the default suite): crash_storm with 120 rounds
# (40 per --fsync mode) over every write kind, printing each round's counts and the totals.
# Usage: tests/crash/long_crash.sh [BUILD_DIR] [crash_storm arguments...]
#   e.g. tests/crash/long_crash.sh build --rounds 300 --seed 7
# Exit status: crash_storm's (0: no acknowledged write lost, nothing torn, every shard valid,
# no temporary file left).
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
[ $# -gt 0 ] && shift
if [ ! -x "$build/tests/crash/crash_storm" ]; then
    echo "long_crash: build first (ninja -C $build)" >&2
    exit 2
fi
args=("$@")
[[ " ${args[*]} " == *" --rounds "* ]] || args+=(--rounds 120)
exec "$build/tests/crash/crash_storm" "${args[@]}"
