#!/usr/bin/env bash
# format.sh: the `format` lint test: every tracked .c/.h file must already be formatted by
# the repository's .clang-format (clang-format --dry-run --Werror). Lists the files that are
# not and exits 1; exits 77 (skipped) when clang-format or git is missing or the source tree
# is not a git checkout. Usage: format.sh SOURCE_ROOT
set -uo pipefail
root=${1:?usage: format.sh SOURCE_ROOT}
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
command -v git >/dev/null || { echo "git not installed: skipped"; exit 77; }
cd "$root" || exit 1
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "not a git checkout: skipped"; exit 77; }

files=()
while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f") # skip files deleted in the work tree but still in the index
done < <(git ls-files -z -- '*.c' '*.h')

# One clang-format run over all files; each complaint starts with "FILE:LINE:COL:".
if out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
    echo "all ${#files[@]} tracked .c/.h files are formatted"
    exit 0
fi
bad=$(printf '%s\n' "$out" | sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: .*/\1/p' | sort -u)
if [ -z "$bad" ]; then
    printf 'clang-format failed:\n%s\n' "$out"
else
    echo "not formatted (run: clang-format -i FILE):"
    printf '%s\n' "$bad" | sed 's/^/  /'
fi
exit 1
