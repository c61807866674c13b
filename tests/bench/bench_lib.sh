# bench_lib.sh: helpers the benchmark scripts share (sourced, not run).

# zarrd_wait_url OUT ERR: wait up to 10 s for the "listening on http://HOST:PORT" line a zarrd
# started with --listen 127.0.0.1:0 writes to OUT (its stdout); print the URL. If none comes,
# print ERR (its stderr) and fail.
zarrd_wait_url() {
    local out=$1 err=$2 url=
    for _ in $(seq 200); do
        url=$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$out" 2>/dev/null | head -1)
        [ -n "$url" ] && break
        sleep 0.05
    done
    [ -n "$url" ] || { cat "$err" >&2; echo "zarrd did not start" >&2; return 1; }
    echo "$url"
}

# bench_build TARGET...: build TARGETs (e.g. server/zarrd) of this checkout in build-bench/, a
# release build without the tests, set up on first use; on failure print the log and fail.
bench_build() {
    local log
    log=$( ([ -f build-bench/build.ninja ] ||
        meson setup build-bench --buildtype=release -Dtests=false) 2>&1 &&
        ninja -C build-bench "$@" 2>&1) || { echo "$log" >&2; return 1; }
}

# bench_median VALUE...: the median of numbers (the upper one of the middle two for an even
# count).
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int(NR / 2) + 1]}'
}

# zarrita_install DIR: npm-install zarrita into DIR/node (made here) and copy zarrita_bench.mjs
# beside it; print "zarrita VERSION", or "zarrita not installed" and fail.
zarrita_install() {
    local node=$1/node version
    mkdir -p "$node" && cp tests/bench/zarrita_bench.mjs "$node/"
    version=$(cd "$node" && npm init -y >/dev/null 2>&1 &&
        npm install --no-audit --no-fund zarrita >/dev/null 2>&1 &&
        node -p 'require("./node_modules/zarrita/package.json").version' 2>/dev/null) ||
        { echo "zarrita not installed"; return 1; }
    echo "zarrita $version"
}

# bench_rounds_and_parent "$@": parse -r ROUNDS (default 5) and -d PARENT_DIR (default
# $TMPDIR or /var/tmp) into $rounds and $parent; exit 2 with the usage on anything else.
bench_rounds_and_parent() {
    rounds=5
    parent=${TMPDIR:-/var/tmp}
    local opt OPTIND=1
    while getopts "r:d:" opt; do
        case $opt in
        r) rounds=$OPTARG ;;
        d) parent=$OPTARG ;;
        *) echo "usage: $0 [-r ROUNDS] [-d PARENT_DIR]" >&2; exit 2 ;;
        esac
    done
}

# bench_zarrd_start ZARRD DIR ARGS...: start ZARRD on an ephemeral loopback port with root
# DIR/root and ARGS, its output in DIR; sets $zpid (for bench_zarrd_stop) and $url. Fails
# when it does not start.
bench_zarrd_start() {
    local zarrd=$1 dir=$2
    shift 2
    mkdir -p "$dir/root"
    "$zarrd" --listen 127.0.0.1:0 --root "$dir/root" "$@" >"$dir/zarrd.out" 2>"$dir/zarrd.err" &
    zpid=$!
    url=$(zarrd_wait_url "$dir/zarrd.out" "$dir/zarrd.err")
}

# bench_zarrd_stop: stop the zarrd bench_zarrd_start started, if any.
bench_zarrd_stop() {
    if [ -n "${zpid:-}" ]; then
        kill "$zpid" 2>/dev/null && wait "$zpid" 2>/dev/null
        zpid=
    fi
    return 0
}

# bench_workdir PARENT NAME: make the working directory $tmp (PARENT/NAME.XXXXXX), removed on
# exit after the zarrd of bench_zarrd_start is stopped.
bench_workdir() {
    tmp=$(mktemp -d "$1/$2.XXXXXX")
    trap 'bench_zarrd_stop; rm -rf "$tmp"' EXIT
}
