# s3_lib.sh: what the shell tests of the S3 endpoint share (sourced): a temporary directory,
# a real zarrd with --s3-listen and --s3-keys on ephemeral ports (s3_start ZARRD STORE
# [ARGS...]; sets S3_URL, NATIVE_URL, S3_ROOT, S3_ACCESS, S3_SECRET), a clean stop that fails
# the test unless zarrd exits 0 (s3_stop), and step / fail / skip (exit 77) reporting.
S3_ACCESS=AKIAZARRDTEST
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN # plain http, our keys only
S3_SECRET=zarrd-test-secret-key
tmp=$(mktemp -d)
s3_pid=
cleanup() {
    [ -n "$s3_pid" ] && kill "$s3_pid" 2>/dev/null && wait "$s3_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

step() { echo "--- $*"; }
skip() {
    echo "skipped: $*"
    exit 77
}
fail() {
    echo "FAILED: $*"
    [ -f "$tmp/zarrd.err" ] && { echo "--- zarrd stderr"; tail -20 "$tmp/zarrd.err"; }
    exit 1
}

s3_start() {
    local zarrd=$1 store=$2
    shift 2
    S3_ROOT=$tmp/root
    mkdir -p "$S3_ROOT"
    printf '%s %s rw\n' "$S3_ACCESS" "$S3_SECRET" >"$tmp/keys"
    "$zarrd" --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --store "$store" --root "$S3_ROOT" \
        --s3-keys "$tmp/keys" "$@" >"$tmp/zarrd.out" 2>"$tmp/zarrd.err" &
    s3_pid=$!
    for _ in $(seq 200); do
        S3_URL=$(sed -n 's/^s3 listening on \(http:[^ ]*\)$/\1/p' "$tmp/zarrd.out")
        [ -n "$S3_URL" ] && break
        kill -0 "$s3_pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$S3_URL" ] || fail "zarrd did not start"
    NATIVE_URL=$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$tmp/zarrd.out")
}

s3_stop() {
    kill -TERM "$s3_pid"
    wait "$s3_pid"
    local status=$?
    s3_pid=
    [ "$status" -eq 0 ] || fail "zarrd exited with status $status"
}
