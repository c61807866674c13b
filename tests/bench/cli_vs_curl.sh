#!/usr/bin/env bash
# cli_vs_curl.sh: zarrd-cli put and get of one large value against curl, the tool a user would
# otherwise reach for, in one run: a release zarrd on the memory store, then on the fs store
# under PARENT_DIR, each round running the clients in a rotating order (so none always follows
# another's writeback). With -o, a second zarrd-cli (say one built from an older commit) runs
# beside them. put sends a file of SIZE MiB of random bytes; pipe sends the same bytes through a
# pipe (`cat FILE | zarrd-cli put KEY -`, `cat FILE | curl -T -`: chunked, the length unknown);
# get writes to /dev/null; what each client stored is checked against the file once. Prints seconds per operation for every round and the
# medians. Not a test: numbers are reported only.
# Usage: tests/bench/cli_vs_curl.sh [-r ROUNDS] [-d PARENT_DIR] [-s SIZE_MIB] [-o OLD_ZARRD_CLI]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh
rounds=6 parent=${TMPDIR:-/var/tmp} size=256 old=
while getopts "r:d:s:o:" opt; do
    case $opt in
    r) rounds=$OPTARG ;;
    d) parent=$OPTARG ;;
    s) size=$OPTARG ;;
    o) old=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-d PARENT_DIR] [-s SIZE_MIB] [-o OLD_ZARRD_CLI]" >&2; exit 2 ;;
    esac
done
command -v curl >/dev/null || { echo "curl is not installed" >&2; exit 1; }
bench_build server/zarrd client/zarrd-cli || exit 1
bench_workdir "$parent" zarrd-cli-bench
head -c "${size}M" /dev/urandom >"$tmp/value"
clients=(new curl)
[ -n "$old" ] && clients=(old new curl)

# one operation of one client, in seconds; fails on the client's failure
timed() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}
cli_of() { if [ "$1" = old ]; then echo "$old"; else echo build-bench/client/zarrd-cli; fi; }
put_with() {
    if [ "$1" = curl ]; then
        timed curl -sf -T "$tmp/value" "$url/k-curl" -o /dev/null
    else
        timed "$(cli_of "$1")" "$url" put "k-$1" "$tmp/value"
    fi
}
pipe_with() {
    if [ "$1" = curl ]; then
        timed sh -c 'cat "$1" | curl -sf -T - "$2" -o /dev/null' _ "$tmp/value" "$url/p-curl"
    else
        timed sh -c 'cat "$1" | "$2" "$3" put "$4" -' _ "$tmp/value" "$(cli_of "$1")" "$url" "p-$1"
    fi
}
get_with() {
    if [ "$1" = curl ]; then timed curl -sf "$url/k-curl" -o /dev/null; else timed "$(cli_of "$1")" "$url" get "k-$1"; fi
}
# what client $1 stored under key prefix $2 reads back as the file (each client its own key)
check() {
    if [ "$1" = curl ]; then curl -sf "$url/$2-curl"; else "$(cli_of "$1")" "$url" get "$2-$1"; fi |
        cmp -s - "$tmp/value" || { echo "$1: the value read back from $2 is not the file" >&2; exit 1; }
}

echo "## zarrd-cli vs curl, one value of $size MiB, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- command: $0 -r $rounds -d $parent -s $size${old:+ -o $old}; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for store in memory fs; do
    bench_zarrd_start build-bench/server/zarrd "$tmp" --store "$store" || exit 1
    echo
    echo "### $store store (seconds; clients in a rotating order)"
    declare -A times=()
    for r in $(seq "$rounds"); do
        line="round $r:"
        for op in put pipe get; do
            for i in "${!clients[@]}"; do
                c=${clients[$(((i + r) % ${#clients[@]}))]}
                times[$op-$c]+=" $("${op}_with" "$c")"
            done
        done
        if [ "$r" = 1 ]; then for c in "${clients[@]}"; do check "$c" k; check "$c" p; done; fi
        for op in put pipe get; do
            line+=" $op"
            for c in "${clients[@]}"; do line+=" $c $(awk '{print $NF}' <<<"${times[$op-$c]}")"; done
            line+=" |"
        done
        echo "${line% |}"
    done
    for op in put pipe get; do
        med="median $op:"
        # shellcheck disable=SC2086
        for c in "${clients[@]}"; do med+=" $c $(bench_median ${times[$op-$c]})"; done
        echo "$med"
    done
    unset times
    bench_zarrd_stop
    rm -rf "$tmp/root"
done
