#!/bin/bash
# aws_cli_test.sh: the S3 endpoint through aws-cli (Debian's /usr/bin/aws, v2), as users move
# data: s3 mb / ls / cp / sync / rm / rb, a 64 MiB upload (multipart) and download, `s3 sync`
# of a Zarr v3 array both ways byte-identical, and the key space shared with the native API:
# an array written by zarrd-cli is listed and read through S3, one uploaded with `aws s3
# sync` is read by `zarrd-cli read`, byte-identical. Signed requests (--s3-keys); wrong
# credentials are refused. fs store (the tree is compared file by file).
# Usage: aws_cli_test.sh ZARRD ZARRD_CLI
set -u
here=$(dirname "$0")
. "$here/s3_lib.sh"
zarrd=$1 cli=$2
aws=/usr/bin/aws
[ -x "$aws" ] || skip "aws-cli (Debian awscli) not installed"

s3_start "$zarrd" fs
export AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER=""
s3() { "$aws" --endpoint-url "$S3_URL" s3 "$@"; }
xfer() { s3 "$@" --only-show-errors; } # cp, sync, rm: no progress lines
s3api() { "$aws" --endpoint-url "$S3_URL" s3api "$@"; }

step "mb, ls, cp, rm"
s3 mb s3://arr || fail "mb"
s3 ls | grep -q ' arr$' || fail "ls does not list the new bucket"
head -c 100000 /dev/urandom >"$tmp/small"
xfer cp "$tmp/small" s3://arr/dir/small.bin || fail "cp up"
s3 ls s3://arr/dir/ | grep -q ' 100000 small.bin$' || fail "ls of the prefix"
xfer cp s3://arr/dir/small.bin "$tmp/small.out" || fail "cp down"
cmp "$tmp/small" "$tmp/small.out" || fail "downloaded bytes differ"
etag=$(s3api head-object --bucket arr --key dir/small.bin --query ETag --output text)
[ "$etag" = "\"$(md5sum <"$tmp/small" | cut -d' ' -f1)\"" ] || fail "ETag $etag is not the MD5"

step "64 MiB: multipart upload and download"
head -c $((64 << 20)) /dev/urandom >"$tmp/big"
xfer cp "$tmp/big" s3://arr/big.bin || fail "cp of 64 MiB"
etag=$(s3api head-object --bucket arr --key big.bin --query ETag --output text)
case $etag in *-8\") ;; *) fail "64 MiB in 8 MiB parts should have a multipart ETag, got $etag" ;; esac
xfer cp s3://arr/big.bin "$tmp/big.out" || fail "download of 64 MiB"
cmp "$tmp/big" "$tmp/big.out" || fail "64 MiB differ after the round trip"
[ -z "$(s3api list-multipart-uploads --bucket arr --query Uploads --output text | grep -v None)" ] ||
    fail "uploads left in progress"

step "a Zarr v3 array written natively, synced down with aws s3 sync"
"$cli" "$NATIVE_URL" create data/img --shape 64,48 --chunks 16,16 --shards 32,16 --dtype uint16 \
    --codec zstd >/dev/null || fail "zarrd-cli create"
head -c $((64 * 48 * 2)) /dev/urandom >"$tmp/img.raw"
"$cli" "$NATIVE_URL" write data/img "$tmp/img.raw" || fail "zarrd-cli write"
s3 ls s3://data/img/ --recursive | grep -q 'img/zarr.json$' || fail "S3 does not list the array"
xfer sync s3://data/img "$tmp/down" || fail "sync down"
diff -r "$S3_ROOT/data/img" "$tmp/down" || fail "synced tree differs from the stored one"

step "the tree synced up again, read natively by zarrd-cli"
xfer sync "$tmp/down" s3://data/img2 || fail "sync up"
diff -r "$tmp/down" "$S3_ROOT/data/img2" || fail "the uploaded tree differs"
"$cli" "$NATIVE_URL" read data/img2 >"$tmp/img2.raw" || fail "zarrd-cli read of the synced array"
cmp "$tmp/img.raw" "$tmp/img2.raw" || fail "the array read back differs"
"$aws" --endpoint-url "$S3_URL" s3 sync --dryrun "$tmp/down" s3://data/img2 >"$tmp/dry" ||
    fail "sync --dryrun"
[ ! -s "$tmp/dry" ] || fail "a second sync would copy again: $(head -3 "$tmp/dry")"

step "rm, rb"
xfer rm s3://arr/dir/small.bin || fail "rm"
s3 ls s3://arr/dir/ | grep -q small && fail "rm left the object"
s3 rb s3://arr && fail "rb of a non-empty bucket succeeded"
xfer rm s3://arr --recursive || fail "rm --recursive"
s3 rb s3://arr || fail "rb"
s3 ls | grep -q ' arr$' && fail "the bucket is still listed"

step "wrong credentials"
AWS_SECRET_ACCESS_KEY=wrong s3 ls s3://data 2>"$tmp/err" && fail "a wrong secret was accepted"
grep -q SignatureDoesNotMatch "$tmp/err" || fail "no SignatureDoesNotMatch: $(cat "$tmp/err")"

s3_stop
echo "aws-cli: ok"
