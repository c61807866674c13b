#!/bin/bash
# s3cmd_test.sh: the S3 endpoint through s3cmd (Debian), path-style, SigV4: mb, put (one part
# and multipart with 5 MiB chunks), ls / la, get, info, sync both ways of a small tree, del,
# rb; bytes compared after every round trip. fs store.
# Usage: s3cmd_test.sh ZARRD
set -u
here=$(dirname "$0")
. "$here/s3_lib.sh"
zarrd=$1
command -v s3cmd >/dev/null 2>&1 || skip "s3cmd not installed"
s3_start "$zarrd" fs
hostport=${S3_URL#http://}
cat >"$tmp/s3cfg" <<CFG
[default]
access_key = $S3_ACCESS
secret_key = $S3_SECRET
host_base = $hostport
host_bucket = $hostport
use_https = False
signature_v2 = False
bucket_location = us-east-1
multipart_chunk_size_mb = 5
CFG
s3c() { s3cmd -c "$tmp/s3cfg" --no-progress "$@"; }

step "mb, put, ls, get"
s3c mb s3://cmd >/dev/null || fail "mb"
s3c ls | grep -q 's3://cmd$' || fail "ls of buckets"
head -c 300000 /dev/urandom >"$tmp/one"
s3c put "$tmp/one" s3://cmd/a/one.bin >/dev/null || fail "put"
s3c ls s3://cmd/a/ | grep -q ' 300000 .*s3://cmd/a/one.bin$' || fail "ls of the prefix"
s3c get s3://cmd/a/one.bin "$tmp/one.out" >/dev/null || fail "get"
cmp "$tmp/one" "$tmp/one.out" || fail "bytes differ"
s3c info s3://cmd/a/one.bin | grep -q "MD5 sum: *$(md5sum <"$tmp/one" | cut -d' ' -f1)" ||
    fail "info does not show the MD5"

step "multipart put (5 MiB chunks)"
head -c $((12 << 20)) /dev/urandom >"$tmp/big"
s3c put "$tmp/big" s3://cmd/big.bin >/dev/null || fail "multipart put"
s3c get s3://cmd/big.bin "$tmp/big.out" >/dev/null || fail "get of the multipart object"
cmp "$tmp/big" "$tmp/big.out" || fail "multipart bytes differ"

step "sync a tree up and down"
mkdir -p "$tmp/tree/x/y" "$tmp/back"
for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom >"$tmp/tree/x/y/f$i"; done
echo '{"zarr_format": 3}' >"$tmp/tree/zarr.json"
s3c sync "$tmp/tree/" s3://cmd/tree/ >/dev/null || fail "sync up"
s3c sync s3://cmd/tree/ "$tmp/back/" >/dev/null || fail "sync down"
diff -r "$tmp/tree" "$tmp/back" || fail "the synced tree differs"
diff -r "$tmp/tree" "$S3_ROOT/cmd/tree" || fail "the stored tree differs"

step "del, rb"
s3c del --recursive --force s3://cmd/ >/dev/null || fail "del --recursive"
[ -z "$(s3c ls -r s3://cmd/)" ] || fail "objects left after del"
s3c rb s3://cmd >/dev/null || fail "rb"
s3c ls | grep -q 's3://cmd$' && fail "the bucket is still listed"
s3_stop
echo "s3cmd: ok"
