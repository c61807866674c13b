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
# exit after the zarrd of bench_zarrd_start and the nginx of bench_nginx_start are stopped.
bench_workdir() {
    tmp=$(mktemp -d "$1/$2.XXXXXX")
    trap 'bench_zarrd_stop; bench_nginx_stop; rm -rf "$tmp"' EXIT
}

# bench_nginx_install: install Debian's nginx and wrk if either is missing (the package's own
# service is stopped: benchmarks run their own nginx); fail without the dav module.
bench_nginx_install() {
    local need=()
    command -v nginx >/dev/null || need+=(nginx)
    command -v wrk >/dev/null || need+=(wrk)
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
        if [[ " ${need[*]} " == *" nginx "* ]]; then
            service nginx stop >/dev/null 2>&1 || true
        fi
    fi
    nginx -V 2>&1 | grep -q with-http_dav_module ||
        { echo "nginx lacks the dav module" >&2; return 1; }
}

# bench_nginx_start DIR WORKERS: start nginx as it is deployed for static files (sendfile,
# access_log off, open_file_cache max=10000, i.e. descriptors and metadata revalidated every
# 60 s) with WORKERS worker processes on an ephemeral loopback port, serving DIR/nginx-root
# (made here, world-writable: the workers run as another user) with PUT and DELETE through the
# dav module; its files in DIR. Sets $npid (for bench_nginx_stop) and $nginx_url. Fails when it
# does not answer.
bench_nginx_start() {
    local dir=$1 workers=$2 port
    mkdir -p "$dir/nginx-root" "$dir/nginx-tmp"
    chmod 755 "$dir"
    chmod -R a+rwX "$dir/nginx-root" "$dir/nginx-tmp"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
    cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    open_file_cache max=10000;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 60;
    default_type application/octet-stream;
    client_max_body_size 64m;
    client_body_temp_path $dir/nginx-tmp/body;
    proxy_temp_path $dir/nginx-tmp/proxy;
    fastcgi_temp_path $dir/nginx-tmp/fastcgi;
    uwsgi_temp_path $dir/nginx-tmp/uwsgi;
    scgi_temp_path $dir/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $dir/nginx-root;
        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
    }
}
CONF
    nginx -c "$dir/nginx.conf" -p "$dir" 2>"$dir/nginx.err" &
    npid=$!
    nginx_url="http://127.0.0.1:$port"
    for _ in $(seq 200); do
        curl -s -o /dev/null "$nginx_url/" && return 0
        sleep 0.05
    done
    cat "$dir/nginx.err" >&2
    echo "nginx did not start" >&2
    return 1
}

# bench_nginx_stop: stop the nginx bench_nginx_start started, if any.
bench_nginx_stop() {
    if [ -n "${npid:-}" ]; then
        kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
        npid=
    fi
    return 0
}
