#!/usr/bin/env bash
# idle_conns.sh: manual check of the 10,000-idle-keep-alive-connections case (issue 7); not part
# of the test suite (test_idle_conns.c runs 2,000 in the suite). Starts its own zarrd on an
# ephemeral loopback port, opens N connections from this shell (bash /dev/tcp), sends one
# request on each (a health GET, or a PUT of --upload bytes) and leaves them idle, then prints
# zarrd's VmRSS before and after, the open-connections gauge, and how long a normal client's
# GET took beside the crowd.
# Usage: tests/production/idle_conns.sh [-n N] [--upload BYTES] [ZARRD]
#        (ZARRD defaults to build/server/zarrd; the fd limit is raised to N + 1000)
set -euo pipefail
n=10000
upload=0
zarrd=build/server/zarrd
while [ $# -gt 0 ]; do
    case $1 in
    -n) n=$2; shift 2 ;;
    --upload) upload=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) zarrd=$1; shift ;;
    esac
done
if ! ulimit -n $((n + 1000)); then
    echo "idle_conns: cannot raise the fd limit to $((n + 1000))"
    exit 1
fi

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE # so that EXIT runs the cleanup on these too
mkdir "$tmp/root"
: >"$tmp/out"
"$zarrd" --listen 127.0.0.1:0 --root "$tmp/root" --max-connections $((n + 100)) \
    >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 200); do
    # the server may not have created its output file yet
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$tmp/out" 2>/dev/null || true)
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/err"; echo "idle_conns: zarrd did not start"; exit 1; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
gauge() {
    curl -s "http://127.0.0.1:$port/_zarrd/metrics" | awk '/^zarrd_open_connections / {print $2}'
}

before=$(rss)
if [ "$upload" -gt 0 ]; then
    body=$(head -c "$upload" /dev/zero | tr '\0' u)
    request=$(printf 'PUT /idle/upload HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s' \
        "$upload" "$body")
else
    request=$(printf 'GET /_zarrd/health HTTP/1.1\r\nHost: t\r\n\r\n')
fi
fds=()
start=$(date +%s.%N)
for _ in $(seq "$n"); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$port"
    printf '%s' "$request" >&"$fd"
    fds+=("$fd")
done
opened=$(date +%s.%N)
sleep 1 # let the server answer every request; the answers stay unread in our sockets
after=$(rss)
open=$(gauge)
normal=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/_zarrd/health")
awk -v n="$n" -v a="$start" -v b="$opened" \
    'BEGIN { printf "idle_conns: %d connections opened and used in %.2f s\n", n, b - a }'
echo "idle_conns: zarrd VmRSS before ${before} kB, with $n idle connections ${after} kB" \
    "($(((after - before) / n)) kB each; upload ${upload} bytes per connection)"
echo "idle_conns: zarrd_open_connections $open (includes the scrape itself)"
echo "idle_conns: a normal GET beside them took ${normal} s"
for fd in "${fds[@]}"; do exec {fd}>&-; done
sleep 1
echo "idle_conns: after they closed: VmRSS $(rss) kB, zarrd_open_connections $(gauge)"
