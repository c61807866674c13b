# web_lib.sh: what the tests/web client scripts share (sourced, POSIX sh): a scratch directory
# removed on exit, a real zarrd started on an ephemeral loopback port (its URL in $url, its pid
# stopped on exit), and a failure helper. Usage: . web_lib.sh; web_start ZARRD [ARGS...]
tmp=$(mktemp -d)
zarrd_pid=
web_cleanup() {
    if [ -n "$zarrd_pid" ]; then
        kill "$zarrd_pid" 2>/dev/null
        wait "$zarrd_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap web_cleanup EXIT INT TERM

fail() {
    echo "FAIL: $*"
    [ -f "$tmp/zarrd.err" ] && tail -20 "$tmp/zarrd.err"
    exit 1
}

# Start zarrd with the given arguments (plus --listen 127.0.0.1:0); sets $url.
web_start() {
    zarrd=$1
    shift
    "$zarrd" --listen 127.0.0.1:0 "$@" >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
    zarrd_pid=$!
    url=
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$tmp/zarrd.out" | head -1)
        [ -n "$url" ] && return 0
        kill -0 "$zarrd_pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "zarrd did not start"
}

# Skip (exit 77) when a program the test drives is not installed.
need() {
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || {
            echo "$p not installed, skipping"
            exit 77
        }
    done
}
