#!/bin/sh
# http_clients.sh: generic HTTP readers that know nothing of zarrd, over its HTML listings:
# fsspec's HTTP filesystem and python3-zarr 2.13 open a Zarr v2 group with no extra headers
# (http_clients.py), rclone's http backend lists a tree and copies it, byte-identical, with
# the modification times Last-Modified gives, and GDAL's /vsicurl/ finds and reads the arrays.
# Usage: http_clients.sh ZARRD STORE
set -u
. "$(dirname "$0")/web_lib.sh"
need rclone curl /usr/bin/python3
/usr/bin/python3 -c 'import zarr, fsspec, aiohttp' 2>/dev/null || {
    echo "python3-zarr / fsspec / aiohttp not installed, skipping"
    exit 77
}
case $2 in fs) web_start "$1" --root "$tmp/root" ;; *) web_start "$1" --store "$2" ;; esac
/usr/bin/python3 "$(dirname "$0")/http_clients.py" "$url" "$tmp" || fail "fsspec / zarr"

# rclone http: ls with sizes, copy back, compare.
export RCLONE_CONFIG=/dev/null
rclone ls :http: --http-url "$url/v2grp/" >"$tmp/ls.txt" 2>"$tmp/rclone.err" || fail "rclone ls"
cat "$tmp/ls.txt"
(cd "$tmp/v2grp" && find . -type f | sed 's|^\./||' | sort) >"$tmp/want.txt"
sed 's/^ *[0-9]* //' "$tmp/ls.txt" | sort >"$tmp/got.txt"
cmp "$tmp/want.txt" "$tmp/got.txt" || fail "rclone ls lists other names"
size=$(sed -n 's|^ *\([0-9]*\) temp/.zarray$|\1|p' "$tmp/ls.txt")
[ "$size" = "$(wc -c <"$tmp/v2grp/temp/.zarray")" ] || fail "rclone ls size of temp/.zarray"
rclone copy :http: "$tmp/copy" --http-url "$url/v2grp/" 2>>"$tmp/rclone.err" || fail "rclone copy"
diff -r "$tmp/v2grp" "$tmp/copy" || fail "rclone copy differs"
# Modification times come from Last-Modified (not 1970).
year=$(rclone lsl :http: --http-url "$url/v2grp/" 2>/dev/null | awk '$NF == ".zgroup" {print substr($2, 1, 4)}')
[ "$year" = "$(date -u +%Y)" ] || fail "rclone sees the modification year $year"
echo "rclone http: ls, copy byte-identical, modification times"

# GDAL (Debian 12: 3.6, Zarr v2 and the pre-final v3 draft) through /vsicurl/: the group's
# arrays are found from the HTML listing ("Index of" title), and a value read back.
if command -v gdalinfo >/dev/null 2>&1; then
    ds="ZARR:\"/vsicurl/$url/v2grp\""
    gdalinfo "$ds" >"$tmp/gdal.txt" 2>&1 || fail "gdalinfo: $(cat "$tmp/gdal.txt")"
    grep -q "SUBDATASET_1_NAME=$ds:/temp" "$tmp/gdal.txt" || fail "gdal: no /temp subdataset"
    grep -q "SUBDATASET_2_NAME=$ds:/sub/mask" "$tmp/gdal.txt" || fail "gdal: no /sub/mask"
    v=$(gdallocationinfo -valonly "$ds:/temp" 5 2 2>/dev/null)
    [ "$v" = 165 ] || fail "gdal: temp[2, 5] is $v, expected 165"
    echo "GDAL /vsicurl/: the group's arrays listed, a value read"
fi
