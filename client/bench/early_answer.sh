#!/usr/bin/env bash
# early_answer.sh: regression test of zarrd-bench load --loops against a peer that answers a
# request before all of it was sent (meson test bench_early_answer). The run is PUTs only, of
# two keys; the scripted peer (early_answer_peer.py) reads k1's whole and answers 201, but
# answers k0's 413 as soon as its head is in and then reads its body up to Content-Length, as
# a keep-alive server must. A load generator that goes on to its next request on that
# connection sends it where the peer still reads the first body, so the peer meets body bytes
# where a request line should be; one that closes the connection instead (as
# bench_load_events.c's conn_finish does) leaves the peer nothing but a body cut short. The
# test fails if the peer saw a request line that is not one, if no PUT was cut short (then it
# proved nothing), or if the run was not clean: every PUT of k0 413, of k1 ok, nothing else.
# A second round has the peer close the connection right after its 413 (`close`): the client's
# send then fails, and the run must still count every such PUT as 413, not io, and must not
# die of SIGPIPE. A third does the same with the thread engine (no --loops), whose requests go
# through the client library (client/zc_conn.c). Usage: early_answer.sh ZARRD_BENCH
set -euo pipefail
bench=$1
peer=$(dirname "$0")/early_answer_peer.py
tmp=$(mktemp -d)
peer_pid=
stop_peer() {
    if [ -n "$peer_pid" ]; then
        kill "$peer_pid" 2>/dev/null || true
        wait "$peer_pid" 2>/dev/null || true
    fi
    peer_pid=
}
cleanup() {
    local status=$?
    stop_peer
    # a failed run shows what the peer saw and said before it is deleted
    if [ "$status" -ne 0 ]; then
        echo "== peer log (last 20 lines)"
        tail -n 20 "$tmp/peer.log" 2>/dev/null || true
        echo "== peer stderr"
        cat "$tmp/peer.err" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# 16 MiB values: far more than loopback's socket buffers take (about 4 MiB here) before the
# answer comes, so the client still has most of each PUT's body to send when it reads it
keys=2
requests=40

# One round against a fresh peer (mode: keep or close) with the engine's options (-l 1 for the
# event loop, none for threads); sets early, cut and status.
run_round() {
    local mode=$1
    shift
    rm -f "$tmp/port" "$tmp/load.json"
    /usr/bin/python3 "$peer" "$tmp/port" "$tmp/peer.log" "$keys" "$mode" 2>"$tmp/peer.err" &
    peer_pid=$!
    local port=
    for _ in $(seq 100); do
        port=$(cat "$tmp/port" 2>/dev/null || true)
        [ -n "$port" ] && break
        kill -0 "$peer_pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "early_answer: the peer did not start"; exit 1; }

    echo "== load ($*) against the early-answering peer ($mode) on port $port"
    status=0
    timeout 30 "$bench" "http://127.0.0.1:$port" load -c 2 "$@" -n "$requests" -d 10 \
        --keys "$keys" --value-size 16M --mix put=1 --prefix early --json "$tmp/load.json" \
        >"$tmp/load.txt" 2>&1 || status=$?
    cat "$tmp/load.txt"
    stop_peer
    [ "$status" != 124 ] || { echo "early_answer: zarrd-bench load did not finish in 30 s"; exit 1; }
    if grep -q '^GARBAGE' "$tmp/peer.log"; then
        echo "early_answer: the peer read body bytes where a request line should be (a" \
            "connection whose request was answered before it was all sent went on to the next):"
        grep '^GARBAGE' "$tmp/peer.log" | head -n 3
        echo "(zarrd-bench load exited $status)"
        exit 1
    fi
    early=$(grep -c '^EARLY' "$tmp/peer.log" || true)
    cut=$(grep -c '^CUT' "$tmp/peer.log" || true)
}

# Every PUT of k0 413, of k1 ok, nothing else (no io: not even where the send failed).
expect_clean() {
    [ "$status" = 0 ] || { echo "early_answer: zarrd-bench load exited $status"; exit 1; }
    /usr/bin/python3 - "$tmp/load.json" "$requests" "$early" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
requests, early = int(sys.argv[2]), int(sys.argv[3])
outs = d["outcomes"]
print("outcomes: %s" % outs)
sys.exit(not (d["requests"] == requests and set(outs) <= {"ok", "413"} and
              outs.get("413", 0) == early and outs.get("ok", 0) == requests - early > 0))
PY
        { echo "early_answer: the run was not clean"; exit 1; }
}

run_round keep -l 1
echo "early_answer: $early PUTs answered early, $cut of them cut short by the client"
[ "$cut" -gt 0 ] || {
    echo "early_answer: no PUT was answered while its body was still being sent; the test" \
        "proved nothing"
    exit 1
}
expect_clean

for engine in "-l 1" ""; do
    # shellcheck disable=SC2086 # the engine's options are words
    run_round close $engine
    closed=$(grep -c '^CLOSED' "$tmp/peer.log" || true)
    echo "early_answer: $early PUTs answered early, $closed connections closed by the peer"
    [ "$closed" -gt 0 ] || { echo "early_answer: the peer closed no connection"; exit 1; }
    expect_clean
done
echo "early_answer: ok"
