#!/bin/sh
# litmus.sh: the WebDAV compliance suite litmus (Debian package) against zarrd, its `http`,
# `basic` and `copymove` parts. Every test must pass except the two that check that DELETE of
# a missing resource fails with 404: zarrd keeps the native API's contract (DELETE is
# idempotent, 204; server/DAV.md). Those two must fail for exactly that reason, so any other
# regression in them shows. Usage: litmus.sh ZARRD STORE
set -u
. "$(dirname "$0")/web_lib.sh"
need litmus curl
case $2 in fs) web_start "$1" --root "$tmp/root" ;; *) web_start "$1" --store "$2" ;; esac
curl -sf -X MKCOL "$url/litmus/" || fail "MKCOL /litmus/"
# litmus writes debug.log and child.log into its working directory.
(cd "$tmp" && TESTS="http basic copymove" timeout 120 litmus -k "$url/litmus/") >"$tmp/litmus.out" 2>&1
cat "$tmp/litmus.out"
grep -q "summary for \`http': of 4 tests run: 4 passed, 0 failed" "$tmp/litmus.out" ||
    fail "litmus http"
grep -q "summary for \`basic': of 16 tests run: 15 passed, 1 failed" "$tmp/litmus.out" ||
    fail "litmus basic: expected 15 of 16"
grep -q "delete_null.*FAIL (DELETE nonexistent resource succeeded)" "$tmp/litmus.out" ||
    fail "litmus basic: the one failure must be delete_null"
grep -q "summary for \`copymove': of 13 tests run: 12 passed, 1 failed" "$tmp/litmus.out" ||
    fail "litmus copymove: expected 12 of 13"
grep -q "copy_shallow.*FAIL (DELETE on \`[^']*foo' should fail with 404: got 204)" \
    "$tmp/litmus.out" || fail "litmus copymove: the one failure must be copy_shallow's DELETE"
echo "litmus: http 4/4, basic 15/16, copymove 12/13 (the two known DELETE-of-nothing checks)"
