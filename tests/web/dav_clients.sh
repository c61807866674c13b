#!/bin/sh
# dav_clients.sh: real WebDAV clients against zarrd, with a bearer token as a deployment would
# have: rclone's webdav backend syncs a Zarr-shaped tree (nested collections, binary chunks, an
# empty collection, a name with a space) up, changes it and syncs again, checks it both ways
# byte by byte (rclone check --download), syncs it back down and compares; on the fs store the
# data directory must equal the tree. Then cadaver (scripted) makes a collection, puts, copies,
# moves, gets and deletes. Usage: dav_clients.sh ZARRD STORE
set -u
. "$(dirname "$0")/web_lib.sh"
need rclone cadaver curl
echo "secret-token rw" >"$tmp/tokens"
case $2 in
fs) web_start "$1" --root "$tmp/root" --token-file "$tmp/tokens" ;;
*) web_start "$1" --store "$2" --token-file "$tmp/tokens" ;;
esac
export RCLONE_CONFIG_Z_TYPE=webdav RCLONE_CONFIG_Z_URL="$url/" RCLONE_CONFIG_Z_VENDOR=other
export RCLONE_CONFIG_Z_BEARER_TOKEN=secret-token RCLONE_CONFIG=/dev/null
rc() { rclone --retries 1 --low-level-retries 1 "$@" >>"$tmp/rclone.log" 2>&1; }

# A group with an array: metadata, chunks of several sizes, an empty collection.
src=$tmp/src
mkdir -p "$src/img/c/0" "$src/img/c/1" "$src/labels/empty" "$src/odd"
printf '{"zarr_format":3,"node_type":"group"}' >"$src/zarr.json"
printf '{"zarr_format":3,"node_type":"array"}' >"$src/img/zarr.json"
head -c 70000 /dev/urandom >"$src/img/c/0/0"
head -c 4096 /dev/urandom >"$src/img/c/0/1"
head -c 1 /dev/urandom >"$src/img/c/1/0"
: >"$src/img/c/1/1"
echo "a value" >"$src/odd/name with space"

rc sync --create-empty-src-dirs "$src" z:tree || fail "rclone sync up"
rc check --download "$src" z:tree || fail "rclone check local -> zarrd"
# Change: replace, delete, add; sync again.
head -c 5000 /dev/urandom >"$src/img/c/0/1"
rm "$src/img/c/1/0"
head -c 123 /dev/urandom >"$src/img/c/2"
rc sync --create-empty-src-dirs "$src" z:tree || fail "rclone sync up (changes)"
rc check --download "$src" z:tree || fail "rclone check after changes"
rc check --download z:tree "$src" || fail "rclone check zarrd -> local"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer secret-token' \
    "$url/tree/img/c/1/0")" = 404 ] || fail "a file deleted locally is still on the server"
rc sync --create-empty-src-dirs z:tree "$tmp/back" || fail "rclone sync down"
diff -r "$src" "$tmp/back" || fail "the tree synced back differs"
if [ "$2" = fs ]; then
    diff -r "$src" "$tmp/root/tree" || fail "the data directory differs from the tree"
fi
# Moves and server-side copies through rclone.
rc moveto z:tree/img/c/2 z:tree/img/c/3 || fail "rclone moveto"
rc copyto z:tree/img/c/3 z:tree/img/c/4 || fail "rclone copyto"
mv "$src/img/c/2" "$src/img/c/3"
cp "$src/img/c/3" "$src/img/c/4"
rc check --download "$src" z:tree || fail "rclone check after moveto/copyto"
# A read without the token is refused.
RCLONE_CONFIG_Z_BEARER_TOKEN= rclone --retries 1 --low-level-retries 1 ls z:tree >/dev/null 2>&1 &&
    fail "no token, yet listed"
echo "rclone webdav: sync up, change, check both ways, sync down: identical"

# cadaver, scripted; checked through plain HTTP afterwards.
printf 'hello cadaver\n' >"$tmp/cad.txt"
cat >"$tmp/cad.cmds" <<CMDS
mkcol cad
cd cad
lcd $tmp
put cad.txt
copy cad.txt copy.txt
move copy.txt moved.txt
get moved.txt got.txt
mkcol gone
rmcol gone
ls
quit
CMDS
# cadaver reads the token from ~/.netrc only for Basic; give it a server without tokens.
kill "$zarrd_pid"
wait "$zarrd_pid" 2>/dev/null
zarrd_pid=
case $2 in fs) web_start "$1" --root "$tmp/root2" ;; *) web_start "$1" --store "$2" ;; esac
(cd "$tmp" && HOME=$tmp timeout 30 cadaver "$url/" <"$tmp/cad.cmds") >"$tmp/cad.out" 2>&1
cat "$tmp/cad.out"
cmp "$tmp/cad.txt" "$tmp/got.txt" || fail "cadaver get"
[ "$(curl -sf "$url/cad/cad.txt")" = "hello cadaver" ] || fail "cadaver put"
[ "$(curl -sf "$url/cad/moved.txt")" = "hello cadaver" ] || fail "cadaver copy + move"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/cad/copy.txt")" = 404 ] || fail "cadaver move"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$url/cad/gone/")" = 404 ] ||
    fail "cadaver rmcol"
grep -q "moved.txt" "$tmp/cad.out" || fail "cadaver ls"
echo "cadaver: mkcol, put, copy, move, get, rmcol, ls"
