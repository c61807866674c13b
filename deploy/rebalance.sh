#!/usr/bin/env bash
# rebalance.sh FRONT_URL NODES [--dry-run]: after a node was added to (or removed from) the
# nginx ring, move every key to the node that now owns it. For each node n in 0..NODES-1 it
# lists the node's keys through the front's /_node/n/ location, asks the front which node owns
# each key (the X-Zarrd-Node response header) and, for a key held by the wrong node, copies it
# to its owner through the front (PUT with If-None-Match: *, so a newer value already written
# to the owner is never overwritten) and then deletes the stray copy.
# Run it while writers are paused (see deploy/README.md, "Adding a node"). Needs curl, jq.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 FRONT_URL NODES [--dry-run]" >&2
    exit 2
fi
front=${1%/}
nodes=$2
dry=${3:-}
moved=0 kept=0 failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

owner_of() { # URL -> the X-Zarrd-Node header of a HEAD request to it
    curl -s -I -o /dev/null -w '%header{x-zarrd-node}' "$1"
}

for ((n = 0; n < nodes; n++)); do
    node_url="$front/_node/$n"
    addr=$(owner_of "$node_url/_zarrd/health")
    if [ -z "$addr" ]; then
        echo "node $n: no answer through $node_url" >&2
        exit 1
    fi
    # Each path segment percent-encoded on its own: an encoded '/' is not a key character.
    while IFS= read -r key; do
        [ -n "$key" ] || continue
        if [ "$(owner_of "$front/$key")" = "$addr" ]; then
            kept=$((kept + 1))
            continue
        fi
        if [ "$dry" = "--dry-run" ]; then
            echo "would move /$key from $addr"
            moved=$((moved + 1))
            continue
        fi
        code=none
        if curl -s -f -o "$tmp" "$node_url/$key"; then
            code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'If-None-Match: *' \
                -H 'Content-Type: application/octet-stream' --data-binary "@$tmp" "$front/$key")
        fi
        if { [ "$code" = 201 ] || [ "$code" = 412 ]; } &&
            curl -s -f -o /dev/null -X DELETE "$node_url/$key"; then
            moved=$((moved + 1))
        else
            echo "failed to move /$key from $addr (PUT answered $code)" >&2
            failed=$((failed + 1))
        fi
    done < <(curl -s -f "$node_url/?recursive=1&format=json" |
        jq -r '.entries[] | select(.dir != true) | .name | split("/") | map(@uri) | join("/")')
done

echo "rebalance: $moved moved, $kept already in place, $failed failed"
[ "$failed" -eq 0 ]
