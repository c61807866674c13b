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
