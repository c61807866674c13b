#!/usr/bin/python3
"""browser.py: zarrd's browser view and CORS in a real browser (headless Chromium).

Run by browser.sh: browser.py ZARRD ZARRD_CLI SCRATCH. Starts a zarrd (fs store) allowing one
page origin through CORS, writes arrays with zarrd-cli and checks:
  * the page of a 3-D uint16 array (the page has no script, so its DOM is its HTML: metadata,
    stored chunks, the preview's scale against numpy's min/max of the slice) and the preview
    PNG (Pillow: size, a black min and a white max corner);
  * a sharded float32 array with NaNs: the PNG has magenta exactly where the slice is NaN and
    the browser's screenshot shows them (the image was fetched and drawn);
  * a large array: the preview stays within its bounds (pixels, chunks decoded);
  * a group whose attributes and dimension names hold <script> and onerror=: escaped, nothing
    runs (the title a script would set is unchanged, no script element in the DOM);
  * CORS: a page from the allowed origin reads a range (206, exposed ETag and Content-Range)
    and PUTs a value (preflighted); a page from another origin is blocked.
"""
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
import urllib.request

import numpy as np
from PIL import Image

zarrd, cli, scratch = sys.argv[1:4]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


# Two page origins: A is allowed by --cors-origin, B is not.
PAGE = """<!DOCTYPE html><html><head><title>cors</title></head><body><p id="out">pending</p>
<script>
(async () => {
  const out = document.getElementById('out');
  try {
    const r = await fetch('%(zarrd)s/vol/zarr.json',
                          {headers: {'Range': 'bytes=0-9', 'If-None-Match': '"nope"'}});
    const body = await r.text();
    const p = await fetch('%(zarrd)s/cors/put-from-page', {method: 'PUT', body: 'from the page'});
    out.textContent = 'status=' + r.status + ' etag=' + r.headers.get('ETag') +
        ' range=' + r.headers.get('Content-Range') + ' body=' + body + ' put=' + p.status;
  } catch (e) {
    out.textContent = 'blocked: ' + e.name;
  }
})();
</script></body></html>"""


class Pages(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def serve_page():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


page_a, origin_a = serve_page()
page_b, origin_b = serve_page()

root = os.path.join(scratch, "root")
proc = subprocess.Popen([zarrd, "--listen", "127.0.0.1:0", "--root", root,
                         "--cors-origin", origin_a], stdout=subprocess.PIPE, text=True)
try:
    line = proc.stdout.readline()
    m = re.match(r"listening on (http://\S+)", line)
    if not m:
        fail(f"zarrd did not start: {line!r}")
    url = m.group(1)
    Pages.page = (PAGE % {"zarrd": url}).encode()

    def run_cli(*args, data=None):
        r = subprocess.run([cli, url, *args], input=data, capture_output=True)
        if r.returncode != 0:
            fail(f"zarrd-cli {' '.join(args)}: {r.stderr.decode()}")

    def get(path):
        with urllib.request.urlopen(url + path) as r:
            return r.read()

    def chromium(*args):
        prof = os.path.join(scratch, "profile")
        cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={prof}", "--virtual-time-budget=5000", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            fail(f"chromium {args}: {r.stderr[-2000:]}")
        return r.stdout

    # A 3-D uint16 volume: value = z * 1000 + y * 3 + x, so in any z slice the smallest value
    # is at the top-left corner and the largest at the bottom-right.
    z, y, x = np.meshgrid(np.arange(20), np.arange(300), np.arange(400), indexing="ij")
    vol = (z * 1000 + y * 3 + x).astype("<u2")
    run_cli("create", "vol", "--shape", "20,300,400", "--chunks", "5,64,64", "--dtype", "uint16",
            "--codec", "zstd")
    run_cli("write", "vol", "-", data=vol.tobytes())
    dom = get("/vol/").decode()  # no script on the page: the DOM is the HTML
    for want in ['id="node">Zarr array', '20 × 300 × 400', "uint16", 'id="chunks">5 × 64 × 64',
                 "zstd", 'id="preview"', 'id="stored">140 of 140']:
        if want not in dom:
            fail(f"/vol/ page lacks {want!r}: {dom[:3000]}")
    sl = vol[10]  # the default slice: the middle of the first dimension
    lo, hi = re.search(r'id="min">([^<]*)<', dom), re.search(r'id="max">([^<]*)<', dom)
    if not lo or float(lo.group(1)) != sl.min() or float(hi.group(1)) != sl.max():
        fail(f"scale {lo and lo.group(1)}..{hi and hi.group(1)}, numpy {sl.min()}..{sl.max()}")
    src = re.search(r'<img class="preview" id="preview" src="([^"]*)"', dom).group(1)
    png = Image.open(io.BytesIO(get("/vol/" + src.replace("&amp;", "&"))))
    if png.size != (400, 300) or png.mode != "RGB":
        fail(f"vol preview is {png.size} {png.mode}, expected 400 x 300 RGB")
    if png.getpixel((0, 0)) != (0, 0, 0) or png.getpixel((399, 299)) != (255, 255, 255):
        fail(f"vol preview corners {png.getpixel((0, 0))} {png.getpixel((399, 299))}")
    # Another slice through the form's parameters: y and x swapped axes, z = 3.
    png = Image.open(io.BytesIO(get("/vol/?preview=png&y=2&x=1&i0=3")))
    if png.size != (300, 400):
        fail(f"transposed preview is {png.size}")
    print("uint16 volume: page, scale and preview PNG as expected")

    # A sharded float32 array with a block of NaNs.
    a = np.fromfunction(lambda i, j: np.sin(i / 9.0) + j / 50.0, (100, 120)).astype("<f4")
    a[10:20, 30:50] = np.nan
    run_cli("create", "nan", "--shape", "100,120", "--chunks", "16,16", "--shards", "32,32",
            "--dtype", "float32", "--fill", "0")
    run_cli("write", "nan", "-", data=a.tobytes())
    dom = get("/nan/").decode()
    if 'id="nans">200<' not in dom or 'id="shards">32 × 32' not in dom:
        fail(f"/nan/ page: {dom[:3000]}")
    src = re.search(r'id="preview" src="([^"]*)"', dom).group(1).replace("&amp;", "&")
    png = np.asarray(Image.open(io.BytesIO(get("/nan/" + src))))
    if png.shape != (100, 120, 3):
        fail(f"nan preview shape {png.shape}")
    magenta = np.all(png == [255, 0, 255], axis=2)
    if not np.array_equal(magenta, np.isnan(a)):
        fail("magenta pixels are not exactly the NaNs")
    shot = os.path.join(scratch, "nan.png")
    chromium(f"--screenshot={shot}", "--window-size=1000,1600", "--hide-scrollbars",
             url + "/nan/")
    seen = np.all(np.asarray(Image.open(shot).convert("RGB")) == [255, 0, 255], axis=2).sum()
    if seen < 200:
        fail(f"the screenshot shows {seen} magenta pixels, the NaN block is 200 x zoom^2")
    print(f"float32 with NaNs: NaN pixels magenta exactly; {seen} in the screenshot")

    # A large array of small chunks (60,000 of them; only a corner stored, the rest reads as
    # the fill value): the preview is bounded all the same.
    corner = (np.arange(100 * 100, dtype=np.uint32) % 251).astype("u1").reshape(100, 100)
    run_cli("create", "big", "--shape", "2000,3000", "--chunks", "10,10", "--dtype", "uint8")
    run_cli("write", "big", "--region", "0:100,0:100", "-", data=corner.tobytes())
    page = get("/big/").decode()
    dec = int(re.search(r"(\d+) chunks decoded", page).group(1))
    dec += int(re.search(r"(\d+) empty \(fill value\)", page).group(1))  # chunks visited
    w, h = map(int, re.search(r'id="size">(\d+) × (\d+)<', page).groups())
    png = Image.open(io.BytesIO(get("/big/?preview=png")))
    if png.size != (w, h) or not (16 <= w <= 512 and 16 <= h <= 512) or not 1024 < dec <= 4096:
        fail(f"big preview {png.size}, page says {w} x {h}, {dec} chunks decoded")
    print(f"large array: {w} x {h} preview from {dec} chunks visited (of 60,000)")

    # Hostile metadata: escaped, never run.
    hostile = {"zarr_format": 3, "node_type": "group", "attributes": {
        "title": "<script>document.title='pwned'</script>",
        "note": "<img src=x onerror=\"document.title='pwned2'\">", "q": "\"'&"}}
    req = urllib.request.Request(url + "/hostile/zarr.json", method="PUT",
                                 data=json.dumps(hostile).encode())
    urllib.request.urlopen(req).close()
    dom = chromium("--dump-dom", url + "/hostile/")
    if "pwned" in re.search(r"<title>(.*?)</title>", dom).group(1):
        fail("a script from the attributes ran")
    if re.search(r"<script|<img src=\"?x", dom, re.I):
        fail(f"markup from the attributes reached the DOM: {dom[:3000]}")
    if "&lt;script&gt;document.title" not in dom:
        fail("the attribute text is not shown")
    print("hostile attributes: shown as text, nothing ran")

    # CORS from a page on the allowed origin, and from another.
    dom = chromium("--dump-dom", origin_a + "/")
    m = re.search(r'<p id="out">(.*?)</p>', dom, re.S)
    out = m.group(1) if m else ""
    # 206 with the exposed ETag and Content-Range, the first ten bytes of zarr.json, the PUT.
    if not out.startswith('status=206 etag="') or "range=bytes 0-9/" not in out \
            or not re.search(r'body=\{\s*"zarr_f', out) or not out.endswith("put=201"):
        fail(f"allowed origin: {out!r}")
    if get("/cors/put-from-page") != b"from the page":
        fail("the page's PUT did not store its value")
    dom = chromium("--dump-dom", origin_b + "/")
    m = re.search(r'<p id="out">(.*?)</p>', dom, re.S)
    if not m or not m.group(1).startswith("blocked"):
        fail(f"another origin was not blocked: {m and m.group(1)}")
    print("CORS: the allowed origin reads a range and PUTs; another origin is blocked")
finally:
    proc.terminate()
    proc.wait()
    page_a.shutdown()
    page_b.shutdown()
