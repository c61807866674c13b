#!/usr/bin/env bash
# Runs zarrd's whole test suite, the command the README and .ci/run use:
#   1. installs missing Debian packages, the test peers included (deploy/setup.sh --test --no-build),
#   2. builds and tests a normal build in build/,
#   3. builds and tests an ASan+UBSan build in build-asan/ (the sanitizer leg),
# and ends with one line "tests: N passed, N failed" summed over both legs. Each leg's tests get
# a TMPDIR of their own; anything they leave in it counts as one more failed test (a test
# cleans up after itself, also when it is skipped or kills its server on purpose).
# Usage: tests/run.sh [--quick]   (--quick: skip the sanitizer leg)
set -uo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh --test --no-build || exit 1

passed=0
failed=0
status=0

run_leg() {
    local dir=$1
    shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
            cat "$dir.setup.log"
            echo "tests: setup of $dir failed"
            status=1
            return
        }
    fi
    if ! meson compile -C "$dir"; then
        status=1
        failed=$((failed + 1))
        return
    fi
    local log tmp
    log=$(mktemp)
    tmp=$(mktemp -d /tmp/zarrd-suite.XXXXXX)
    chmod 755 "$tmp" # as /tmp: helpers that drop privileges (nginx workers) can reach in
    TMPDIR=$tmp meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    if [ -n "$(ls -A "$tmp")" ]; then
        echo "TMPDIR check: the tests of $dir left this behind:"
        ls -la "$tmp"
        failed=$((failed + 1))
        status=1
    fi
    rm -rf "$tmp"
    local ok fail timeout
    ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -1)
    fail=$(awk '/^Fail:/ {print $2}' "$log" | tail -1)
    timeout=$(awk '/^Timeout:/ {print $2}' "$log" | tail -1)
    passed=$((passed + ${ok:-0}))
    failed=$((failed + ${fail:-0} + ${timeout:-0}))
    rm -f "$log"
}

run_leg build --buildtype=debugoptimized
if [ "${1:-}" != "--quick" ]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_leg build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
fi

echo "tests: $passed passed, $failed failed"
exit $status
