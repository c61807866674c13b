#!/usr/bin/env bash
# fs_calls.sh: the `fs_calls` lint test: only server/keyspace/ may touch the file system under
# the data directory (server/keyspace/ks_root.h). Every other tracked server source (.c/.h) is
# searched for calls of path system calls (open, openat, openat2, creat, mkdir(at), rename(at),
# unlink(at), rmdir, link(at), symlink(at), readlink(at), stat family, truncate, access, chmod,
# chown, utimensat, mknod, fopen, opendir, scandir, nftw, realpath, raw syscall) and of writes
# and syncs of store files (pwrite, ftruncate, fallocate, copy_file_range, fsync, fdatasync,
# syncfs, sync_file_range). A line that must make such a call on a path that is not the store's
# (the access log, the token file) says so with a comment containing "fs-lint: not a store
# path" and the reason, on that line or the one before; the test lists those lines. Exits 1 with the offending lines, 77 when
# the source tree is not a git checkout. Usage: fs_calls.sh SOURCE_ROOT
set -uo pipefail
root=${1:?usage: fs_calls.sh SOURCE_ROOT}
cd "$root" || exit 1
command -v git >/dev/null || { echo "git not installed: skipped"; exit 77; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: skipped"; exit 77; }

calls='open|openat|openat2|creat|mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir'
calls+='|link|linkat|symlink|symlinkat|readlink|readlinkat|stat|lstat|fstatat|statx|truncate'
calls+='|access|faccessat|chmod|fchmodat|chown|fchownat|lchown|utimensat|utimes|mknod|mknodat'
calls+='|fopen|freopen|opendir|fdopendir|scandir|nftw|ftw|realpath|syscall|name_to_handle_at'
calls+='|pwrite|pwritev|pwritev2|ftruncate|fallocate|posix_fallocate|copy_file_range|fsync'
calls+='|fdatasync|syncfs|sync_file_range'
pattern="(^|[^A-Za-z0-9_.>])($calls)[[:space:]]*\\("

files=()
while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
done < <(git ls-files -z -- 'server/*.c' 'server/*.h' ':!:server/keyspace/*')

# Comments are not calls: drop lines inside block comments (" * ..."), then /* ... */ and // ...
# on the line before matching again; the original line is kept for the marker check.
hits=$(grep -nE "$pattern" "${files[@]}" /dev/null |
    grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)' |
    sed -E 's#/\*([^*]|\*[^/])*\*/##g; s#//.*$##' | grep -E ":[0-9]+:.*$pattern" || true)
bad=""
allowed=""
while IFS= read -r line; do
    [ -z "$line" ] && continue
    file=${line%%:*}
    rest=${line#*:}
    num=${rest%%:*}
    orig=$(sed -n "${num}p" "$file")
    prev=$(sed -n "$((num > 1 ? num - 1 : 1))p" "$file")
    if [[ "$orig$prev" == *"fs-lint: not a store path"* ]]; then
        allowed+="  $file:$num"$'\n'
    else
        bad+="  $file:$num: $(echo "$orig" | sed 's/^[[:space:]]*//')"$'\n'
    fi
done <<<"$hits"

if [ -n "$allowed" ]; then
    echo "allowed (not store paths):"
    printf '%s' "$allowed"
fi
if [ -n "$bad" ]; then
    echo "file system calls outside server/keyspace/ (go through ks_root.h instead):"
    printf '%s' "$bad"
    exit 1
fi
echo "no file system calls outside server/keyspace/ in ${#files[@]} server files"
