#!/bin/bash
# rclone_test.sh: the S3 endpoint through rclone's s3 backend (Debian rclone, provider Other,
# path style, SigV4): a Zarr v3 array (written by zarrd-cli into a first directory) is synced
# up with `rclone sync`, verified with `rclone check` (sizes and MD5s against our ETags),
# synced back down and compared byte for byte, then changed locally and synced again so
# only the difference moves; purge at the end. fs store.
# Usage: rclone_test.sh ZARRD ZARRD_CLI
set -u
here=$(dirname "$0")
. "$here/s3_lib.sh"
zarrd=$1 cli=$2
command -v rclone >/dev/null 2>&1 || skip "rclone not installed"
s3_start "$zarrd" fs
export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_Z_TYPE=s3 RCLONE_CONFIG_Z_PROVIDER=Other RCLONE_CONFIG_Z_ENDPOINT=$S3_URL
export RCLONE_CONFIG_Z_ACCESS_KEY_ID=$S3_ACCESS RCLONE_CONFIG_Z_SECRET_ACCESS_KEY=$S3_SECRET
export RCLONE_CONFIG_Z_FORCE_PATH_STYLE=true RCLONE_CONFIG_Z_REGION=us-east-1
rc() { rclone --retries 1 --low-level-retries 1 "$@"; }

step "a Zarr array to sync (zarrd-cli into the server's root, copied out)"
"$cli" "$NATIVE_URL" create src/arr --shape 40,40,8 --chunks 10,10,8 --shards 20,20,8 \
    --dtype float32 --codec gzip >/dev/null || fail "create"
head -c $((40 * 40 * 8 * 4)) /dev/urandom >"$tmp/arr.raw"
"$cli" "$NATIVE_URL" write src/arr "$tmp/arr.raw" || fail "write"
cp -r "$S3_ROOT/src/arr" "$tmp/local"

step "rclone sync up and rclone check"
rc mkdir z:rcb || fail "mkdir"
rc sync "$tmp/local" z:rcb/arr || fail "sync up"
rc check "$tmp/local" z:rcb/arr || fail "check after sync up"
diff -r "$tmp/local" "$S3_ROOT/rcb/arr" || fail "the stored tree differs"
"$cli" "$NATIVE_URL" read rcb/arr >"$tmp/arr.out" || fail "zarrd-cli read of the synced array"
cmp "$tmp/arr.raw" "$tmp/arr.out" || fail "the synced array reads differently"

step "rclone sync down"
rc sync z:rcb/arr "$tmp/back" || fail "sync down"
diff -r "$tmp/local" "$tmp/back" || fail "the tree synced down differs"

step "a local change syncs alone"
head -c 777 /dev/urandom >"$tmp/local/extra.bin"
rm "$tmp/local/c/0/0/0"
rc sync "$tmp/local" z:rcb/arr -v 2>"$tmp/log" || fail "second sync"
grep -q 'extra.bin: Copied' "$tmp/log" || fail "the new file was not copied: $(cat "$tmp/log")"
grep -q 'c/0/0/0: Deleted' "$tmp/log" || fail "the removed file was not deleted"
grep -q 'c/1/0/0: Copied' "$tmp/log" && fail "an unchanged file was copied again"
rc check "$tmp/local" z:rcb/arr || fail "check after the second sync"

step "purge"
rc purge z:rcb || fail "purge"
rc lsf z: | grep -q '^rcb/$' && fail "the bucket is still there"
s3_stop
echo "rclone: ok"
