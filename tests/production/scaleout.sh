#!/usr/bin/env bash
# scaleout.sh: the multi-node layout of deploy/ on loopback (meson test prod_scaleout). Three
# zarrd nodes and an nginx front built from deploy/nginx/ (its upstream ports and listen port
# rewritten to free loopback ports, nothing else changed), then through the front only:
#   1. plain keys of random sizes: PUT, GET back byte for byte; each key lives in exactly one
#      node's root, the node named by the front's X-Zarrd-Node header;
#   2. a sharded array with zarrd-cli: create, write, partial write (shard endpoints with the
#      Zarr-Shard header), read back byte for byte; every file (zarr.json, each shard) is on
#      exactly one node, and the shards are spread over more than one;
#   3. a short bounded `zarrd-bench load` (plain and shard ops) that must verify all its
#      reads; its keys too are each on one node;
#   4. one node stopped: requests for its keys answer 502 (deploy/nginx: max_fails=0, no retry
#      elsewhere) and no other node receives them; keys of the other nodes are still written.
# Exits 77 (skipped) when nginx is not installed, unless ZARRD_INSTALL_DEPS=1, which installs
# Debian's nginx-light (or nginx) first.
# Usage: scaleout.sh ZARRD ZARRD_CLI ZARRD_BENCH DEPLOY_NGINX_DIR
set -euo pipefail
zarrd=$1
cli=$2
bench=$3
confdir=$4
NODES=3
PLAIN_KEYS=60

find_nginx() {
    command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}
nginx_bin=$(find_nginx)
if [ -z "$nginx_bin" ] && [ "${ZARRD_INSTALL_DEPS:-0}" = 1 ]; then
    apt-get install -y nginx-light >/dev/null 2>&1 || apt-get install -y nginx >/dev/null
    nginx_bin=$(find_nginx)
fi
if [ -z "$nginx_bin" ]; then
    echo "scaleout: SKIP: nginx is not installed (ZARRD_INSTALL_DEPS=1 installs nginx-light)"
    exit 77
fi

tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx workers run as an unprivileged user
pids=()
front_pid=
cleanup() {
    if [ -n "$front_pid" ]; then kill -QUIT "$front_pid" 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE # so that EXIT runs the cleanup on these too

fail() {
    echo "scaleout: FAIL: $*"
    for i in $(seq 0 $((NODES - 1))); do
        echo "--- node $i stderr"
        tail -20 "$tmp/node$i.err" 2>/dev/null || true
    done
    echo "--- nginx error.log"
    tail -20 "$tmp/front/error.log" 2>/dev/null || true
    exit 1
}

# ---- three nodes on ephemeral ports ----
ports=()
for i in $(seq 0 $((NODES - 1))); do
    mkdir "$tmp/root$i"
    : >"$tmp/node$i.out" # exists before the node writes it: the poll below reads it
    "$zarrd" --listen 127.0.0.1:0 --root "$tmp/root$i" --threads 2 \
        >"$tmp/node$i.out" 2>"$tmp/node$i.err" &
    pids+=($!)
done
for i in $(seq 0 $((NODES - 1))); do
    port=
    for _ in $(seq 400); do
        # the node may not have created its output file yet
        port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$tmp/node$i.out" \
            2>/dev/null || true)
        [ -n "$port" ] && break
        kill -0 "${pids[$i]}" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || fail "node $i did not start"
    ports+=("$port")
done

# ---- the front: deploy/nginx with loopback ports ----
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
mkdir -p "$tmp/front/tmp"
cp "$confdir/nginx.conf" "$tmp/front/nginx.conf"
sed -e "s/127\.0\.0\.1:8081/127.0.0.1:${ports[0]}/" \
    -e "s/127\.0\.0\.1:8082/127.0.0.1:${ports[1]}/" \
    -e "s/127\.0\.0\.1:8083/127.0.0.1:${ports[2]}/" \
    "$confdir/upstreams.conf" >"$tmp/front/upstreams.conf"
for p in "${ports[@]}"; do
    [ "$(grep -c "127\.0\.0\.1:${p}[ ;]" "$tmp/front/upstreams.conf")" -ge 2 ] ||
        fail "deploy/nginx/upstreams.conf no longer has the three loopback nodes 8081-8083"
done
# shellcheck disable=SC2016 # a literal nginx variable
grep -q 'hash $uri consistent;' "$tmp/front/upstreams.conf" ||
    fail "deploy/nginx/upstreams.conf does not hash on \$uri"
front=
for _ in $(seq 10); do
    candidate=$((20000 + RANDOM % 40000))
    port_free "$candidate" || continue
    sed "s/^\( *\)listen 8080;/\1listen 127.0.0.1:$candidate;/" "$confdir/zarrd-front.conf" \
        >"$tmp/front/zarrd-front.conf"
    grep -q "listen 127.0.0.1:$candidate;" "$tmp/front/zarrd-front.conf" ||
        fail "deploy/nginx/zarrd-front.conf has no 'listen 8080;'"
    "$nginx_bin" -t -q -p "$tmp/front/" -c "$tmp/front/nginx.conf" 2>"$tmp/nginx-t.err" ||
        { cat "$tmp/nginx-t.err"; fail "nginx -t rejects the front configuration"; }
    if "$nginx_bin" -p "$tmp/front/" -c "$tmp/front/nginx.conf" 2>"$tmp/nginx.err"; then
        front=$candidate
        break
    fi
done
[ -n "$front" ] || { cat "$tmp/nginx.err"; fail "nginx did not start"; }
for _ in $(seq 100); do
    [ -s "$tmp/front/nginx.pid" ] && break
    sleep 0.05
done
front_pid=$(cat "$tmp/front/nginx.pid")
url="http://127.0.0.1:$front"
for _ in $(seq 100); do
    curl -sf "$url/_front/health" >/dev/null && break
    sleep 0.05
done
echo "scaleout: nodes on ports ${ports[*]}, front on $front"

# node index of a port, from X-Zarrd-Node (the upstream address nginx used)
node_of_port() {
    for i in $(seq 0 $((NODES - 1))); do
        [ "${ports[$i]}" = "$1" ] && { echo "$i"; return; }
    done
    echo "?"
}
# the roots holding relative path $1
holders() {
    for i in $(seq 0 $((NODES - 1))); do
        [ -f "$tmp/root$i/$1" ] && printf '%s ' "$i"
    done
    true
}

# ---- 1. plain keys ----
mkdir "$tmp/data"
counts=(0 0 0)
owner_of=()
for k in $(seq 1 $PLAIN_KEYS); do
    f="$tmp/data/k$k"
    head -c $(((k * 7919) % 200000 + 1)) /dev/urandom >"$f"
    node_port=$(curl -sf -T "$f" -D - -o /dev/null "$url/plain/k$k" |
        sed -n 's/^X-Zarrd-Node: 127\.0\.0\.1:\([0-9]*\)\r$/\1/Ip') || fail "PUT /plain/k$k"
    owner=$(node_of_port "$node_port")
    curl -sf "$url/plain/k$k" -o "$tmp/data/back" || fail "GET /plain/k$k"
    cmp -s "$f" "$tmp/data/back" || fail "/plain/k$k read back differs"
    where=$(holders "plain/k$k")
    [ "$where" = "$owner " ] || fail "/plain/k$k: answered by node $owner, stored on nodes: $where"
    counts[owner]=$((counts[owner] + 1))
    owner_of[k]=$owner
done
echo "scaleout: $PLAIN_KEYS plain keys read back; per node: ${counts[*]}"
for c in "${counts[@]}"; do
    [ "$c" -gt 0 ] || fail "a node received none of the $PLAIN_KEYS keys: ${counts[*]}"
done

# ---- 2. a sharded array through zarrd-cli ----
"$cli" "$url" create arr --shape 256,256 --chunks 16,16 --shards 64,64 --dtype uint16 \
    --codec zstd --fill 0 >/dev/null || fail "zarrd-cli create"
head -c $((256 * 256 * 2)) /dev/urandom >"$tmp/data/whole"
"$cli" "$url" write arr "$tmp/data/whole" || fail "zarrd-cli write (whole array)"
"$cli" "$url" read arr >"$tmp/data/read" || fail "zarrd-cli read"
cmp -s "$tmp/data/whole" "$tmp/data/read" || fail "array read back differs"
# a partial write inside shards: inner chunks go to the shard endpoints
head -c $((10 * 20 * 2)) /dev/urandom >"$tmp/data/part"
"$cli" "$url" write arr --region 10:20,30:50 "$tmp/data/part" || fail "zarrd-cli write (part)"
"$cli" "$url" read arr --region 10:20,30:50 >"$tmp/data/part.back" || fail "read (part)"
cmp -s "$tmp/data/part" "$tmp/data/part.back" || fail "partially written region differs"
"$cli" "$url" read arr --region 64:256,0:256 >"$tmp/data/rest" || fail "read (untouched rows)"
tail -c +$((64 * 256 * 2 + 1)) "$tmp/data/whole" | cmp -s - "$tmp/data/rest" ||
    fail "rows the partial write did not touch changed"
where=$(holders "arr/zarr.json")
[ "$(wc -w <<<"$where")" = 1 ] || fail "arr/zarr.json is on nodes: $where"
shard_nodes=""
shard_files=$(cd "$tmp" && find root*/arr/c -type f ! -path '*/.zarrd-*' 2>/dev/null | cut -d/ -f2-)
for s in $shard_files; do
    where=$(holders "$s")
    [ "$(wc -w <<<"$where")" = 1 ] || fail "shard $s is on nodes: $where"
    shard_nodes="$shard_nodes $where"
done
nshards=$(wc -w <<<"$shard_nodes")
[ "$nshards" = 16 ] || fail "$nshards shard files for a 4x4 shard grid"
spread=$(tr ' ' '\n' <<<"$shard_nodes" | sort -u | grep -c .)
[ "$spread" -gt 1 ] || fail "all 16 shards landed on one node"
echo "scaleout: sharded array read back; 16 shards over $spread nodes"

# ---- 3. a short load run through the front ----
"$bench" "$url" load -c 4 -d 2 -n 1500 --keys 60 --value-size 2K --range-size 300 \
    --mix get=40,range=10,put=15,patch=10,shard=15,batch=10 --prefix bench --keep \
    --json "$tmp/load.json" >"$tmp/load.txt" || { cat "$tmp/load.txt"; fail "zarrd-bench load"; }
cat "$tmp/load.txt"
grep -q '"ok":' "$tmp/load.json" || fail "load: no successful requests"
if grep -Eq '"(bad_data|[45][0-9][0-9]|http|io|connect|timeout|other)":' "$tmp/load.json"; then
    fail "load run had failures: $(cat "$tmp/load.json")"
fi
grep -Eq '^shard check: [0-9]+ inner chunks read back, [0-9]+ written, 0 WRONG$' "$tmp/load.txt" ||
    fail "load: concurrent shard writes through the front lost or mangled inner chunks"

# ---- every file of every node is on that node only ----
for i in $(seq 0 $((NODES - 1))); do
    (cd "$tmp/root$i" && find . -type f ! -path '*/.zarrd-*' | sort) >"$tmp/files$i"
done
dups=$(sort "$tmp"/files* | uniq -d | head -5)
[ -z "$dups" ] || fail "keys stored on more than one node: $dups"
echo "scaleout: files per node: $(wc -l "$tmp"/files? | head -$NODES | awk '{print $1}' | xargs)"

# ---- 4. a node down: its keys answer 502, never land elsewhere; the others still work ----
down=$((NODES - 1))
kill -TERM "${pids[$down]}"
wait "${pids[$down]}" || fail "node $down exited with status $?"
echo changed >"$tmp/data/changed"
checked=0
for k in $(seq 1 $PLAIN_KEYS); do
    status=$(curl -s -o /dev/null -w '%{http_code}' -T "$tmp/data/changed" "$url/plain/k$k")
    if [ "${owner_of[k]}" = "$down" ]; then
        [ "$status" = 502 ] || fail "PUT /plain/k$k (node $down down): $status, expected 502"
        status=$(curl -s -o /dev/null -w '%{http_code}' "$url/plain/k$k")
        [ "$status" = 502 ] || fail "GET /plain/k$k (node $down down): $status, expected 502"
        where=$(holders "plain/k$k")
        [ "$where" = "$down " ] || fail "/plain/k$k written elsewhere while its node was down"
        cmp -s "$tmp/data/k$k" "$tmp/root$down/plain/k$k" || fail "/plain/k$k changed on disk"
        checked=$((checked + 1))
    else
        [ "$status" = 204 ] || fail "PUT /plain/k$k (its node is up): $status"
    fi
done
echo "scaleout: node $down down: its $checked keys answer 502, the rest are written"

# ---- clean stop ----
kill -QUIT "$front_pid"
front_pid=
for i in $(seq 0 $((NODES - 2))); do
    kill -TERM "${pids[$i]}"
    wait "${pids[$i]}" || fail "node $i exited with status $?"
done
pids=()
echo "scaleout: ok"
