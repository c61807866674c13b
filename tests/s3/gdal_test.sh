#!/bin/bash
# gdal_test.sh: GDAL's /vsis3/ (Debian gdal-bin 3.6) reading through the S3 endpoint: a
# GeoTIFF (made by gdal_create) and a Zarr v2 array (made by Debian's python3-zarr), both
# uploaded with boto3 and read back by gdalinfo over /vsis3/ with SigV4; pixel checksums and
# sizes must equal those of the local files. GDAL 3.6 reads Zarr v2 (and only the pre-final v3
# draft), so this is the v2 path. fs store.
# Usage: gdal_test.sh ZARRD
set -u
here=$(dirname "$0")
. "$here/s3_lib.sh"
zarrd=$1
command -v gdalinfo >/dev/null 2>&1 && command -v gdal_create >/dev/null 2>&1 ||
    skip "gdal-bin not installed"
/usr/bin/python3 -c 'import zarr, numpy, boto3' 2>/dev/null || skip "python3-zarr/numpy/boto3 missing"
s3_start "$zarrd" fs

step "local GeoTIFF and Zarr v2 array"
gdal_create -q -of GTiff -outsize 97 61 -bands 2 -ot UInt16 -burn 1234 -burn 77 \
    -a_srs EPSG:4326 -a_ullr 10 50 11 49 "$tmp/img.tif" || fail "gdal_create"
/usr/bin/python3 - "$tmp/arr.zarr" <<'PY' || fail "python3-zarr"
import sys, numpy, zarr
a = zarr.open(sys.argv[1], mode="w", shape=(50, 70), chunks=(16, 32), dtype="<f4",
              compressor=zarr.Blosc(cname="lz4") if hasattr(zarr, "Blosc") else None)
a[:] = numpy.arange(50 * 70, dtype="<f4").reshape(50, 70) * 0.5
PY

step "upload through S3 (boto3)"
/usr/bin/python3 - "$S3_URL" "$S3_ACCESS" "$S3_SECRET" "$tmp" <<'PY' || fail "upload"
import os, sys, boto3
from botocore.config import Config
url, ak, sk, tmp = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id=ak, aws_secret_access_key=sk,
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="geo")
s3.upload_file(os.path.join(tmp, "img.tif"), "geo", "rasters/img.tif")
for d, _, files in os.walk(os.path.join(tmp, "arr.zarr")):
    for f in files:
        p = os.path.join(d, f)
        s3.upload_file(p, "geo", "zarr/" + os.path.relpath(p, tmp))
PY

export AWS_S3_ENDPOINT=${S3_URL#http://} AWS_HTTPS=NO AWS_VIRTUAL_HOSTING=FALSE AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET CPL_VSIL_CURL_CACHE_SIZE=0
export GDAL_HTTP_MAX_RETRY=0 GDAL_DISABLE_READDIR_ON_OPEN=NO CPL_CURL_VERBOSE=NO
checksums() { gdalinfo -checksum "$1" 2>&1 | grep -E 'Checksum=|^Size is' | tr -d ' '; }

step "GeoTIFF over /vsis3/"
want=$(checksums "$tmp/img.tif")
got=$(checksums /vsis3/geo/rasters/img.tif)
[ -n "$want" ] && [ "$want" = "$got" ] || fail "GeoTIFF: local [$want] vs /vsis3/ [$got]"
gdalinfo /vsis3/geo/rasters/img.tif | grep -q 'EPSG.*4326\|WGS 84' || fail "no georeferencing"

step "Zarr v2 over /vsis3/"
want=$(checksums "ZARR:\"$tmp/arr.zarr\"")
got=$(checksums "ZARR:\"/vsis3/geo/zarr/arr.zarr\"")
[ -n "$want" ] && [ "$want" = "$got" ] || fail "Zarr: local [$want] vs /vsis3/ [$got]"
gdal_translate -q -of AAIGrid "ZARR:\"/vsis3/geo/zarr/arr.zarr\"" "$tmp/out.asc" ||
    fail "gdal_translate from /vsis3/"
grep -q '1749.5' "$tmp/out.asc" || fail "the last pixel (3499 * 0.5) is not there"

step "a wrong secret"
AWS_SECRET_ACCESS_KEY=wrong gdalinfo /vsis3/geo/rasters/img.tif >"$tmp/err" 2>&1 &&
    fail "a wrong secret was accepted"
s3_stop
echo "gdal: ok"
