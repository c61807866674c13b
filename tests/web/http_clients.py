#!/usr/bin/python3
"""http_clients.py: generic HTTP readers against zarrd's HTML listings (tests/web).

Run by http_clients.sh with the server URL and a scratch directory. Writes a non-consolidated
Zarr v2 group with python3-zarr 2.13 to a local DirectoryStore, uploads every file with plain
PUTs, then reads it back the way users do, with no extra headers: fsspec's HTTP filesystem
lists the group (it parses the HTML listing's links) and zarr 2.13 opens it by URL (FSStore
over fsspec HTTP), finds its arrays and subgroups and reads them element-for-element equal.
"""
import os
import sys
import urllib.request

import fsspec
import numpy as np
import zarr

url, scratch = sys.argv[1].rstrip("/"), sys.argv[2]
local = os.path.join(scratch, "v2grp")

root = zarr.open_group(zarr.DirectoryStore(local), mode="w")
temp = np.arange(100 * 80, dtype="f4").reshape(100, 80)
temp[3, 7] = np.nan
root.create_dataset("temp", data=temp, chunks=(30, 30), compressor=zarr.Zlib(level=1))
sub = root.create_group("sub")
mask = (np.arange(50 * 50) % 7 == 0).astype("u1").reshape(50, 50)
sub.create_dataset("mask", data=mask, chunks=(16, 16))
root.attrs["title"] = "demo"

for dirpath, _, files in os.walk(local):
    for f in files:
        path = os.path.join(dirpath, f)
        key = os.path.relpath(path, scratch)
        with open(path, "rb") as fh:
            req = urllib.request.Request(f"{url}/{key}", data=fh.read(), method="PUT")
            urllib.request.urlopen(req).close()

fs = fsspec.filesystem("http")
names = sorted(fs.ls(f"{url}/v2grp/", detail=False))
want = sorted(f"{url}/v2grp/{n}" for n in [".zattrs", ".zgroup", "sub/", "temp/"])
assert names == want, f"fsspec ls: {names} != {want}"
info = fs.info(f"{url}/v2grp/.zgroup")
assert info["size"] == os.path.getsize(os.path.join(local, ".zgroup")), info

g = zarr.open_group(f"{url}/v2grp", mode="r")
assert sorted(g.array_keys()) == ["temp"], sorted(g.array_keys())
assert sorted(g.group_keys()) == ["sub"], sorted(g.group_keys())
assert g.attrs["title"] == "demo"
np.testing.assert_array_equal(g["temp"][:], temp)
np.testing.assert_array_equal(g["sub/mask"][:], mask)
np.testing.assert_array_equal(g["temp"][10:40, 5:9], temp[10:40, 5:9])
print("fsspec + zarr", zarr.__version__, "read the v2 group through zarrd's listings")
