#!/usr/bin/env bash
# cluster-test.sh [BUILD_DIR]: the scale-out layout of deploy/README.md, end to end on
# loopback. Starts three zarrd nodes and an nginx front built from deploy/nginx/ (same server
# block, generated node list), then, through the front: writes and reads back a sharded array
# with zarrd-cli (whole shards and a partial region, which goes through the shard endpoints
# with the Zarr-Shard header), PUTs and GETs plain keys, runs a short zarrd-bench load, and
# checks that every key lives on exactly one node. Then it adds a fourth node, checks that only
# some keys changed owner, runs rebalance.sh and checks every byte again.
# Needs nginx, curl, jq, python3 and a build with server/zarrd, client/zarrd-cli and
# client/zarrd-bench (default BUILD_DIR: build). Exit 0 when every check passed.
# KEEP=1 keeps the work directory (node data, logs, generated nginx config) for inspection.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
zarrd=$build/server/zarrd
cli=$build/client/zarrd-cli
bench=$build/client/zarrd-bench
work=$(mktemp -d /tmp/zarrd-cluster.XXXXXX)
pids=()

cleanup() {
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "cluster-test: FAIL: $*" >&2
    exit 1
}

# Start node $1 on an ephemeral port; sets $addr to its HOST:PORT and $pid.
start_node() {
    local n=$1
    mkdir -p "$work/node$n"
    "$zarrd" --listen 127.0.0.1:0 --root "$work/node$n" --log-level warn \
        >"$work/node$n.out" 2>"$work/node$n.err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
        addr=$(sed -n 's|.*listening on http://||p' "$work/node$n.out" | head -1)
        [ -n "$addr" ] && return
        sleep 0.05
    done
    fail "node $n did not start: $(cat "$work/node$n.err")"
}

# The front's node list, in the shape of deploy/nginx/upstreams.conf, plus one /_node/N/
# location per node (zarrd-front.conf lists three; extra nodes get theirs here).
write_upstreams() {
    {
        echo "upstream zarrd_shards {"
        echo "    hash \$uri consistent;"
        for a in "${nodes[@]}"; do echo "    server $a max_fails=0;"; done
        echo "    keepalive 16;"
        echo "}"
        for i in "${!nodes[@]}"; do
            echo "upstream zarrd_node$i { server ${nodes[$i]}; }"
        done
    } >"$work/conf/upstreams.conf"
    {
        for ((i = 3; i < ${#nodes[@]}; i++)); do
            echo "location /_node/$i/ { proxy_pass http://zarrd_node$i/; }"
        done
    } >"$work/conf/extra-nodes.conf"
}

nodes=()
for n in 0 1 2; do
    start_node "$n"
    nodes+=("$addr")
done

# A free port for the front: bind one with a throwaway node, then release it.
start_node probe
kill "$pid"
wait "$pid" 2>/dev/null || true
front_port=${addr##*:}
front=http://127.0.0.1:$front_port

mkdir -p "$work/conf" "$work/tmp"
write_upstreams
sed -e "s|^    listen 8080;|    listen 127.0.0.1:$front_port;|" \
    -e 's|^    location = /_front/health {|    include extra-nodes.conf;\n&|' \
    "$here/nginx/zarrd-front.conf" >"$work/conf/zarrd-front.conf"
cat >"$work/conf/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    include upstreams.conf;
    include zarrd-front.conf;
}
EOF
nginx -p "$work" -c "$work/conf/nginx.conf" -t -q || fail "nginx -t"
nginx -p "$work" -c "$work/conf/nginx.conf"
for _ in $(seq 100); do curl -sf "$front/_front/health" >/dev/null && break; sleep 0.05; done
echo "cluster-test: nodes ${nodes[*]}, front $front"

# 1. A sharded array: whole-shard writes, then a partial region through the shard endpoints.
python3 - "$work/array.bin" <<'EOF'
import random, sys
random.seed(7)
open(sys.argv[1], 'wb').write(bytes(random.getrandbits(8) for _ in range(96 * 80 * 2)))
EOF
"$cli" "$front" create arr --shape 96,80 --chunks 8,8 --shards 32,40 --dtype uint16 \
    --codec zstd >/dev/null || fail "create"
"$cli" "$front" write arr "$work/array.bin" >/dev/null || fail "write"
"$cli" "$front" read arr >"$work/read.bin" || fail "read"
cmp -s "$work/array.bin" "$work/read.bin" || fail "array read back differs"
# Rows 10..30, columns 5..45 (cuts inner chunks and shards) with new values.
python3 - "$work/array.bin" "$work/region.bin" <<'EOF'
import random, sys
random.seed(8)
arr = bytearray(open(sys.argv[1], 'rb').read())
region = bytes(random.getrandbits(8) for _ in range(20 * 40 * 2))
for r in range(20):
    start = ((10 + r) * 80 + 5) * 2
    arr[start:start + 80] = region[r * 80:(r + 1) * 80]
open(sys.argv[1], 'wb').write(arr)
open(sys.argv[2], 'wb').write(region)
EOF
"$cli" "$front" write arr --region 10:30,5:45 "$work/region.bin" >/dev/null ||
    fail "partial write"
"$cli" "$front" read arr >"$work/read.bin" || fail "read after partial write"
cmp -s "$work/array.bin" "$work/read.bin" || fail "array differs after partial write"
echo "cluster-test: sharded array 96x80 uint16 written, patched and read back through the front"

# 2. Plain keys.
for i in $(seq 0 199); do
    printf 'value %d\n' "$i" | curl -sf -o /dev/null -X PUT --data-binary @- \
        "$front/keys/k$i" || fail "PUT keys/k$i"
done
check_keys() {
    for i in $(seq 0 199); do
        [ "$(curl -sf "$front/keys/k$i")" = "value $i" ] || fail "GET keys/k$i ($1)"
    done
}
check_keys "3 nodes"

# 3. Load through the front (the bench checks what it reads).
"$bench" "$front" load -c 8 -d 3 --keys 200 --value-size 4K \
    --mix get=50,range=10,put=20,patch=10,shard=10 >"$work/bench.txt" ||
    fail "zarrd-bench load: $(tail -5 "$work/bench.txt")"
grep -iE 'req/s|requests|p99' "$work/bench.txt" | head -3 | sed 's/^/cluster-test: bench: /'

# 4. Every key on exactly one node.
count_keys() { # node index -> number of keys it holds
    curl -sf "$front/_node/$1/?recursive=1&format=json" | jq '[.entries[] | select(.dir != true)] | length'
}
per_node=()
total=0
for i in "${!nodes[@]}"; do
    c=$(count_keys "$i")
    per_node+=("$c")
    total=$((total + c))
done
distinct=$(for i in "${!nodes[@]}"; do
    curl -sf "$front/_node/$i/?recursive=1&format=json" | jq -r '.entries[] | select(.dir != true) | .name'
done | sort -u | wc -l)
[ "$distinct" -eq "$total" ] || fail "$((total - distinct)) keys are on more than one node"
echo "cluster-test: $total keys, per node ${per_node[*]}, none on two nodes"

# 5. Add a node: only keys that now hash to it move; rebalance; everything reads back.
start_node 3
nodes+=("$addr")
write_upstreams
nginx -p "$work" -c "$work/conf/nginx.conf" -s reload 2>/dev/null
sleep 0.5
missing=0
for i in $(seq 0 199); do
    [ "$(curl -s "$front/keys/k$i")" = "value $i" ] || missing=$((missing + 1))
done
[ "$missing" -gt 0 ] && [ "$missing" -lt 100 ] ||
    fail "adding a 4th node made $missing of 200 keys unreachable (expected about 50)"
"$here/rebalance.sh" "$front" 4 >"$work/rebalance.txt" || fail "rebalance: $(cat "$work/rebalance.txt")"
check_keys "after rebalance"
"$cli" "$front" read arr >"$work/read.bin" || fail "read after rebalance"
cmp -s "$work/array.bin" "$work/read.bin" || fail "array differs after rebalance"
echo "cluster-test: 4th node: $missing of 200 keys changed owner; $(tail -1 "$work/rebalance.txt")"
echo "cluster-test: all checks passed"
