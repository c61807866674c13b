#!/bin/bash
# sdk_test.sh: installs the latest @aws-sdk/client-s3 from npm into a temporary directory
# (never committed) and runs sdk_test.mjs against a real zarrd with --s3-keys. Exit 77
# (skipped) when node/npm are missing or npm cannot install it (no network).
# Usage: sdk_test.sh ZARRD SDK_TEST_MJS
set -u
here=$(dirname "$0")
. "$here/s3_lib.sh"
zarrd=$1 script=$2
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || skip "node/npm not installed"
if ! (cd "$tmp" && timeout 300 npm install --silent --no-audit --no-fund --prefer-offline \
    @aws-sdk/client-s3 >npm.log 2>&1); then
    tail -5 "$tmp/npm.log"
    skip "cannot install @aws-sdk/client-s3 from npm"
fi
cp "$script" "$tmp/sdk_test.mjs"
s3_start "$zarrd" fs
(cd "$tmp" && node --no-deprecation sdk_test.mjs "$S3_URL" "$S3_ACCESS" "$S3_SECRET") ||
    fail "sdk_test.mjs"
s3_stop
