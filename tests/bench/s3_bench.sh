#!/usr/bin/env bash
# tests/bench/s3_bench.sh: the S3 endpoint against the native API of the same zarrd, in one run,
# alternating the two, the best of REPS runs counting for each (so a burst of other load hurts
# neither side alone). A release zarrd (build-bench/), fs store, --fsync none, --threads N.
#   get4k      wrk GET of one 4 KiB value: native URL vs a presigned S3 URL (SigV4 checked on
#              every request; goal: S3 >= 0.8x native)
#   put4k      wrk PUT of 4 KiB values over 1,000 keys: native vs S3 (a second zarrd without
#              --s3-keys: wrk cannot sign; MD5 ETag + metadata attribute included)
#   put4k-pre  wrk PUT of 4 KiB to one key by a presigned S3 URL vs native PUT of that key
#   1g         1 GiB: native PUT (curl) vs S3 PUT (curl) vs S3 multipart (16 parts of 64 MiB,
#              4 curls at once, then Complete), wall time
#   list       ListObjectsV2 pages of 1,000 keys from a bucket of 100,000 (flat: one
#              directory; tree: 100 directories of 1,000), at the start, the middle (start-after)
#              and the end, and a delimiter listing; against the native recursive listing of the
#              same prefix (a full scan)
# Prints a markdown report (machine, load, commands, figures, ratios). Not part of the suite.
# Usage: tests/bench/s3_bench.sh [-d SECONDS] [-r REPS] [-c CONNECTIONS] [-t WRK_THREADS]
#                                [-w WORKERS] [CASE...]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/bench_lib.sh

duration=10
reps=3
conns=64
wrk_threads=2
workers=$(nproc)
while getopts "d:r:c:t:w:" opt; do
    case $opt in
    d) duration=$OPTARG ;;
    r) reps=$OPTARG ;;
    c) conns=$OPTARG ;;
    t) wrk_threads=$OPTARG ;;
    w) workers=$OPTARG ;;
    *) echo "usage: $0 [-d SECONDS] [-r REPS] [-c CONNECTIONS] [-t WRK_THREADS] [-w WORKERS] [CASE...]" >&2
       exit 2 ;;
    esac
done
shift $((OPTIND - 1))
cases=${*:-get4k put4k put4k-pre 1g list}
command -v wrk >/dev/null || { echo "wrk is needed (deploy/setup.sh --test)" >&2; exit 1; }
py=/usr/bin/python3

bench_build server/zarrd || exit 1

tmp=$(mktemp -d /tmp/zarrd-s3bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
ak=AKIABENCH sk=bench-secret
printf '%s %s rw\n' "$ak" "$sk" >"$tmp/keys"

# start NAME ROOT [ARGS...]: a zarrd with both listeners; sets NAME_native and NAME_s3.
start() {
    local name=$1 root=$2
    shift 2
    mkdir -p "$root"
    build-bench/server/zarrd --listen 127.0.0.1:0 --s3-listen 127.0.0.1:0 --root "$root" \
        --store fs --threads "$workers" --fsync none --log-level error "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pids+=($!)
    for _ in $(seq 200); do
        grep -qs '^s3 listening' "$tmp/$name.out" && break
        sleep 0.05
    done
    printf -v "${name}_native" '%s' "$(sed -n 's/^listening on \(http:[^ ]*\)$/\1/p' "$tmp/$name.out")"
    printf -v "${name}_s3" '%s' "$(sed -n 's/^s3 listening on \(http:[^ ]*\)$/\1/p' "$tmp/$name.out")"
}

presign() { # METHOD URL_BASE BUCKET KEY
    "$py" - "$@" "$ak" "$sk" <<'PY'
import sys, boto3
from botocore.config import Config
method, url, bucket, key, ak, sk = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id=ak, aws_secret_access_key=sk,
                  region_name="us-east-1",
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
op = {"GET": "get_object", "PUT": "put_object"}[method]
print(s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key}, ExpiresIn=604800))
PY
}

# wrk_rps URL [SCRIPT]: requests/s of one run (non-2xx make the run count as failed: 0).
wrk_rps() {
    local out
    out=$(wrk -t "$wrk_threads" -c "$conns" -d "${duration}s" ${2:+-s "$2"} "$1" 2>&1)
    if grep -q 'Non-2xx' <<<"$out"; then
        echo "non-2xx answers from $1:" >&2
        grep -E 'Non-2xx|Requests/sec' <<<"$out" >&2
        echo 0
        return
    fi
    sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}

best() { printf '%s\n' "$@" | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "# zarrd S3 benchmark"
echo
echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)"
echo "- load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- zarrd: release build, fs store on $(df -T /tmp | awk 'NR==2 {print $2}'), --threads $workers, --fsync none"
echo "- wrk: -t $wrk_threads -c $conns -d ${duration}s, best of $reps alternating runs"
echo

start main "$tmp/root" --s3-keys "$tmp/keys"
start open "$tmp/root-open"

for c in $cases; do
    case $c in
    get4k)
        head -c 4096 /dev/urandom >"$tmp/v4k"
        curl -fs -X PUT --data-binary @"$tmp/v4k" "$main_native/bench/get4k" >/dev/null
        pre=$(presign GET "$main_s3" bench get4k)
        curl -fs "$pre" | cmp - "$tmp/v4k"
        n=() s=()
        for _ in $(seq "$reps"); do
            n+=("$(wrk_rps "$main_native/bench/get4k")")
            s+=("$(wrk_rps "$pre")")
        done
        bn=$(best "${n[@]}") bs=$(best "${s[@]}")
        echo "## GET 4 KiB: native vs presigned S3"
        echo
        echo "| | req/s (runs) | best |"
        echo "|---|---|---|"
        echo "| native \`GET /bench/get4k\` | ${n[*]} | $bn |"
        echo "| S3 presigned \`GET /bench/get4k?X-Amz-...\` | ${s[*]} | $bs |"
        echo
        echo "S3 / native = **$(ratio "$bs" "$bn")**"
        echo
        ;;
    put4k)
        head -c 4096 /dev/urandom >"$tmp/p4k"
        cat >"$tmp/put.lua" <<LUA
local f = io.open("$tmp/p4k", "rb")
local body = f:read("*a")
f:close()
local n = math.random(0, 999)
request = function()
    n = (n + 1) % 1000
    return wrk.format("PUT", "/bench/put/k" .. n, {["Content-Type"] = "application/octet-stream"}, body)
end
LUA
        curl -fs -X PUT "$open_s3/bench" >/dev/null || true
        n=() s=()
        for _ in $(seq "$reps"); do
            n+=("$(wrk_rps "$open_native" "$tmp/put.lua")")
            s+=("$(wrk_rps "$open_s3" "$tmp/put.lua")")
        done
        bn=$(best "${n[@]}") bs=$(best "${s[@]}")
        echo "## PUT 4 KiB over 1,000 keys (zarrd without --s3-keys)"
        echo
        echo "| | req/s (runs) | best |"
        echo "|---|---|---|"
        echo "| native \`PUT /bench/put/kN\` | ${n[*]} | $bn |"
        echo "| S3 \`PUT /bench/put/kN\` (MD5 ETag + metadata) | ${s[*]} | $bs |"
        echo
        echo "S3 / native = **$(ratio "$bs" "$bn")**"
        echo
        ;;
    put4k-pre)
        head -c 4096 /dev/urandom >"$tmp/p4k"
        curl -fs -X PUT --data-binary @"$tmp/p4k" "$main_native/bench/one" >/dev/null
        pre=$(presign PUT "$main_s3" bench one)
        cat >"$tmp/put1.lua" <<LUA
local f = io.open("$tmp/p4k", "rb")
local body = f:read("*a")
f:close()
wrk.method = "PUT"
wrk.body = body
LUA
        n=() s=()
        for _ in $(seq "$reps"); do
            n+=("$(wrk_rps "$main_native/bench/one" "$tmp/put1.lua")")
            s+=("$(wrk_rps "$pre" "$tmp/put1.lua")")
        done
        bn=$(best "${n[@]}") bs=$(best "${s[@]}")
        echo "## PUT 4 KiB to one key: native vs presigned S3 (SigV4 checked)"
        echo
        echo "| | req/s (runs) | best |"
        echo "|---|---|---|"
        echo "| native \`PUT /bench/one\` | ${n[*]} | $bn |"
        echo "| S3 presigned \`PUT /bench/one?X-Amz-...\` | ${s[*]} | $bs |"
        echo
        echo "S3 / native = **$(ratio "$bs" "$bn")**"
        echo
        ;;
    1g)
        head -c $((1 << 30)) /dev/urandom >"$tmp/big"
        split -b $((64 << 20)) -d -a 2 "$tmp/big" "$tmp/part."
        curl -fs -X PUT "$open_s3/big" >/dev/null || true
        tn=() ts=() tm=()
        for _ in $(seq "$reps"); do
            t0=$(date +%s.%N)
            curl -fs -T "$tmp/big" "$open_native/big/native" >/dev/null
            t1=$(date +%s.%N)
            curl -fs -T "$tmp/big" "$open_s3/big/single" >/dev/null
            t2=$(date +%s.%N)
            id=$(curl -fs -X POST "$open_s3/big/multi?uploads" | sed -n 's/.*<UploadId>\(.*\)<\/UploadId>.*/\1/p')
            ls "$tmp"/part.* | awk '{print NR, $0}' |
                xargs -P 4 -n 2 sh -c 'curl -fs -T "$1" "'"$open_s3"'/big/multi?partNumber=$0&uploadId='"$id"'" -D - -o /dev/null |
                    tr -d "\r" | sed -n "s/^[Ee][Tt]ag: //p" >"'"$tmp"'/etag.$0"'
            xml="<CompleteMultipartUpload>"
            for i in $(seq 16); do xml+="<Part><PartNumber>$i</PartNumber><ETag>$(cat "$tmp/etag.$i")</ETag></Part>"; done
            xml+="</CompleteMultipartUpload>"
            curl -fs -X POST --data-binary "$xml" "$open_s3/big/multi?uploadId=$id" >/dev/null
            t3=$(date +%s.%N)
            tn+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
            ts+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')")
            tm+=("$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.2f", b - a }')")
        done
        cmp "$tmp/big" "$tmp/root-open/big/multi"
        bn=$(printf '%s\n' "${tn[@]}" | sort -g | head -1)
        bs=$(printf '%s\n' "${ts[@]}" | sort -g | head -1)
        bm=$(printf '%s\n' "${tm[@]}" | sort -g | head -1)
        echo "## 1 GiB upload (curl; zarrd without --s3-keys)"
        echo
        echo "| | seconds (runs) | best | MiB/s |"
        echo "|---|---|---|---|"
        echo "| native \`PUT\` | ${tn[*]} | $bn | $(awk -v t="$bn" 'BEGIN { printf "%.0f", 1024 / t }') |"
        echo "| S3 \`PutObject\` | ${ts[*]} | $bs | $(awk -v t="$bs" 'BEGIN { printf "%.0f", 1024 / t }') |"
        echo "| S3 multipart, 16 x 64 MiB, 4 at once + Complete | ${tm[*]} | $bm | $(awk -v t="$bm" 'BEGIN { printf "%.0f", 1024 / t }') |"
        echo
        echo "native / S3 PutObject time = **$(ratio "$bn" "$bs")**, native / multipart = **$(ratio "$bn" "$bm")**"
        echo
        rm -f "$tmp"/part.* "$tmp/big"
        ;;
    list)
        # 100,000 keys made directly in the data directory (it is a plain directory store).
        "$py" - "$tmp/root-open" <<'PY'
import os, sys
root = sys.argv[1]
flat = os.path.join(root, "flat")
os.makedirs(flat, exist_ok=True)
for i in range(100000):
    open(os.path.join(flat, "k%06d" % i), "w").close()
for d in range(100):
    sub = os.path.join(root, "tree", "c", "%02d" % d)
    os.makedirs(sub, exist_ok=True)
    for i in range(1000):
        open(os.path.join(sub, "%04d" % i), "w").close()
PY
        ms() { # URL: median of 5 wall times in ms
            for _ in 1 2 3 4 5; do curl -fs -o /dev/null -w '%{time_total}\n' "$1"; done |
                sort -g | sed -n 3p | awk '{ printf "%.1f", $1 * 1000 }'
        }
        echo "## Listing pages of 1,000 keys from a bucket of 100,000"
        echo
        echo "| bucket | request | ms (median of 5) |"
        echo "|---|---|---|"
        for b in flat tree; do
            mid=$([ $b = flat ] && echo k050000 || echo c/50/0000)
            last=$([ $b = flat ] && echo k099000 || echo c/99/0000)
            echo "| $b | S3 first page | $(ms "$open_s3/$b?list-type=2&max-keys=1000") |"
            echo "| $b | S3 page at the middle (start-after=$mid) | $(ms "$open_s3/$b?list-type=2&max-keys=1000&start-after=$mid") |"
            echo "| $b | S3 last page (start-after=$last) | $(ms "$open_s3/$b?list-type=2&max-keys=1000&start-after=$last") |"
            [ $b = tree ] && echo "| $b | S3 delimiter / under c/ (100 common prefixes) | $(ms "$open_s3/$b?list-type=2&prefix=c/&delimiter=/") |"
            echo "| $b | native recursive listing of all 100,000 (full scan) | $(ms "$open_native/$b/?recursive=1&format=json") |"
        done
        echo
        ;;
    *)
        echo "unknown case $c" >&2
        exit 2
        ;;
    esac
done
echo "- load after: $(cut -d' ' -f1-3 /proc/loadavg)"
