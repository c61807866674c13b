#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS [NAME...]]: build the harnesses of this directory (all, or the
# NAMEs given, e.g. `run.sh 30 meta batch`) with clang + libFuzzer (ASan + UBSan) and fuzz
# each for SECONDS (default 60), starting from its seed corpus in corpus/<name>/. Work files
# go to build-fuzz/ at the repository root: the growing corpus in build-fuzz/corpus/<name>/,
# crashing inputs in build-fuzz/crashes/<name>/. The seed corpus
# in the repository is never modified; copy a crash into corpus/<name>/ to keep it as a
# regression input (the meson replay tests then run it on every build).
# Exit status: 0 if no harness crashed, 1 otherwise.
set -euo pipefail

seconds=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build-fuzz"
harnesses=(key range content_range query multipart cond meta shard_index shard_header batch)
base=("$root"/common/zd_{buf,error}.c)
http=("$root"/common/zd_{key,range,query,multipart,cond}.c)
shard=("$root"/common/zd_{batch,crc32c,shard_index}.c)
zarr=("$root"/common/zd_{dtype,fill,grid,meta,select}.c)

sources_of() { # the sources one harness links, as the meson libraries group them
    case $1 in
    meta) echo "${base[@]}" "${zarr[@]}" ;;
    shard_index | batch) echo "${base[@]}" "${shard[@]}" ;;
    shard_header) echo "${base[@]}" "${http[@]}" "${shard[@]}" "$root/server/api/native/shard_header.c" ;;
    *) echo "${base[@]}" "${http[@]}" ;;
    esac
}
[ $# -eq 0 ] || harnesses=("$@")

if ! command -v clang >/dev/null || ! clang -fsanitize=fuzzer -x c -o /dev/null - \
        <<<'#include <stdint.h>
#include <stddef.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        2>/dev/null; then
    echo "installing clang and libFuzzer (clang, libclang-rt-14-dev)"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang \
        libclang-rt-14-dev
fi

mkdir -p "$out"
crashed=()
for name in "${harnesses[@]}"; do
    bin="$out/fuzz_$name"
    # shellcheck disable=SC2046 # the source list is split on purpose
    clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -I"$root/common" -I"$root/server/api/native" -I"$root/server/shard" -I"$root/server/keyspace" \
        "$here/fuzz_$name.c" $(sources_of "$name") -lcjson -lm -o "$bin"
    mkdir -p "$out/corpus/$name" "$out/crashes/$name"
    echo "== fuzz_$name for ${seconds}s"
    if ! "$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$out/crashes/$name/" "$out/corpus/$name" "$here/corpus/$name" \
            >"$out/fuzz_$name.log" 2>&1; then
        crashed+=("$name")
        echo "   CRASH: see $out/fuzz_$name.log and $out/crashes/$name/"
    fi
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$out/fuzz_$name.log" |
        sed 's/^/   /' || true
    echo "   corpus: $(find "$out/corpus/$name" -type f | wc -l) inputs"
done

if [ ${#crashed[@]} -gt 0 ]; then
    echo "fuzz: crashes in: ${crashed[*]}"
    exit 1
fi
echo "fuzz: no crashes in ${#harnesses[@]} harnesses"
