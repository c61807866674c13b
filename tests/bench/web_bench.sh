#!/bin/sh
# web_bench.sh: what the web features cost, printed (never asserted): the browser view's
# preview of a 3-D uint16 array (page render, image from the cache, revalidation 304) and
# PROPFIND Depth 1 of a collection of N values against the JSON listing of the same prefix.
# Each figure is the median of R runs of curl's time_total on one keep-alive-less request.
# Usage: tests/bench/web_bench.sh ZARRD ZARRD_CLI [N=10000] [R=9]
set -eu
zarrd=$1 cli=$2 n=${3:-10000} runs=${4:-9}
tmp=$(mktemp -d)
"$zarrd" --listen 127.0.0.1:0 --root "$tmp/root" >"$tmp/out" 2>"$tmp/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q listening "$tmp/out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$tmp/out")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_of [curl args...]: median seconds over $runs runs, in ms
time_of() {
    for _ in $(seq "$runs"); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done |
        median | awk '{printf "%.2f ms", $1 * 1000}'
}

# A 16 x 1024 x 1024 uint16 volume in 1 x 128 x 128 zstd chunks (1024 chunks, 32 MiB).
"$cli" "$url" create vol --shape 16,1024,1024 --chunks 1,128,128 --dtype uint16 --codec zstd
/usr/bin/python3 -c "
import numpy as np, sys
z, y, x = np.meshgrid(np.arange(16), np.arange(1024), np.arange(1024), indexing='ij')
sys.stdout.buffer.write(((z * 977 + y * 13 + x) % 65536).astype('<u2').tobytes())" |
    "$cli" "$url" write vol -
echo "preview of 16 x 1024 x 1024 uint16 (1 x 128 x 128 zstd chunks; the slice: 512 x 512 px from 64 chunks)"
cold=""
for i in $(seq "$runs"); do # a new slice each time: nothing cached
    cold="$cold$(curl -s -o /dev/null -w '%{time_total}' "$url/vol/?i0=$((i % 16))&y=1&x=2&preview=png")
"
done
printf '  render (new slice)      %s\n' "$(printf '%s' "$cold" | median | awk '{printf "%.2f ms", $1 * 1000}')"
curl -s -o /dev/null "$url/vol/?preview=png"
printf '  image from the cache    %s\n' "$(time_of "$url/vol/?preview=png")"
etag=$(curl -s -D - -o /dev/null "$url/vol/?preview=png" | tr -d '\r' | sed -n 's/^ETag: //Ip')
printf '  revalidation (304)      %s\n' "$(time_of -H "If-None-Match: $etag" "$url/vol/?preview=png")"
printf '  page (image cached)     %s\n' "$(time_of -H 'Accept: text/html' "$url/vol/")"

# N small values in one collection.
curl -s -X MKCOL "$url/many/" >/dev/null
/usr/bin/python3 -c "
import http.client, sys
host, port = sys.argv[1].split('//')[1].split(':')
c = http.client.HTTPConnection(host, int(port))
for i in range(int(sys.argv[2])):
    c.request('PUT', '/many/v%06d' % i, body=b'x' * 100); c.getresponse().read()" "$url" "$n"
echo "a collection of $n values"
printf '  JSON listing            %s\n' "$(time_of -H 'Accept: application/json' "$url/many/")"
printf '  HTML listing            %s\n' "$(time_of "$url/many/")"
printf '  PROPFIND Depth 1        %s\n' "$(time_of -X PROPFIND -H 'Depth: 1' "$url/many/")"
