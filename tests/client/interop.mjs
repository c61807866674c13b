// interop.mjs: zarrd-client against an independent Zarr v3 implementation, zarrita (npm).
//   1. arrays written through zarrd-cli (libzarrd-client), sharded and unsharded, every codec
//      both support, are read by zarrita over HTTP with its FetchStore;
//   2. arrays zarrita writes through zarrd (a two-method store: GET and PUT with fetch) are
//      read back with zarrd-cli — with the codecs zarrita 0.7 can encode (it writes no
//      shards and has no gzip or crc32c encoder).
// Usage: node interop.mjs URL ZARRD_CLI   (run by interop.sh, which installs zarrita).
import * as zarr from "zarrita";
import { execFileSync } from "node:child_process";

const [url, cli] = process.argv.slice(2);
const manyRows = Number(process.env.INTEROP_MANY_ROWS || 100);
const base = url.replace(/\/$/, "");
let failures = 0;

const arrays = {
  uint8: Uint8Array, uint16: Uint16Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array,
};

function pattern(dtype, n, seed) {
  const a = new arrays[dtype](n);
  for (let i = 0; i < n; i++) a[i] = ((i * 37 + seed) % 251) + (dtype.startsWith("float") ? 0.5 : 0);
  return a;
}

function bytesOf(t) {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
}

// The C-order elements of `box` ([start, stop) per dimension) of a C-order array.
function extract(data, shape, box) {
  const n = box.reduce((x, [a, b]) => x * (b - a), 1);
  const out = new data.constructor(n);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));
  for (let k = 0; k < n; k++) {
    let rem = k, off = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const ext = box[d][1] - box[d][0];
      off += (box[d][0] + (rem % ext)) * strides[d];
      rem = Math.floor(rem / ext);
    }
    out[k] = data[off];
  }
  return out;
}

function check(name, ok, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : ": " + detail}`);
  if (!ok) failures++;
}

// --- 1. zarrd-client writes, zarrita reads -----------------------------------------------
const cliCases = [
  { name: "c/plain", shape: [37, 29], chunks: [8, 7], dtype: "uint16", codec: "none" },
  { name: "c/gzip3d", shape: [9, 10, 11], chunks: [4, 3, 5], dtype: "float32", codec: "gzip" },
  { name: "c/zstd", shape: [300], chunks: [64], dtype: "int32", codec: "zstd", fill: "5" },
  { name: "c/sharded", shape: [40, 30], chunks: [4, 5], shards: [20, 15], dtype: "uint8",
    codec: "none" },
  { name: "c/sharded_gzip", shape: [50, 21], chunks: [5, 7], shards: [25, 21], dtype: "float64",
    codec: "gzip", fill: "1.5" },
  { name: "c/sharded_zstd", shape: [1000], chunks: [10], shards: [200], dtype: "uint16",
    codec: "zstd" },
  // 10,000 inner chunks in one shard (INTEROP_MANY_ROWS x 100; interop.sh asks for fewer
  // under ASan): zarrita fetches them all at once and Node's fetch opens a connection per
  // request in flight, far past the server's --max-connections (interop.sh sets 500). Every
  // request must be answered (accept backpressure, idle keep-alive connections reclaimed);
  // before, the connections past the cap were closed and zarrita failed ("other side closed").
  { name: "c/many_inner", shape: [manyRows, 100], chunks: [1, 1], shards: [manyRows, 100],
    dtype: "uint8", codec: "gzip" },
];

for (const c of cliCases) {
  const args = [url, "create", c.name, "--shape", c.shape.join(","), "--chunks",
    c.chunks.join(","), "--dtype", c.dtype, "--codec", c.codec];
  if (c.shards) args.push("--shards", c.shards.join(","));
  if (c.fill) args.push("--fill", c.fill);
  execFileSync(cli, args);
  const n = c.shape.reduce((x, y) => x * y, 1);
  const want = pattern(c.dtype, n, 3);
  execFileSync(cli, [url, "write", c.name, "-"], { input: bytesOf(want) });
  // a partial write too: for sharded arrays it goes through the shard endpoints
  const region = c.shape.map((s) => [Math.floor(s / 3), Math.floor(s / 3) + 2]);
  const m = region.reduce((x, [a, b]) => x * (b - a), 1);
  const part = pattern(c.dtype, m, 101);
  execFileSync(cli, [url, "write", c.name, "--region", region.map(([a, b]) => `${a}:${b}`).join(","),
    "-"], { input: bytesOf(part) });
  // apply the partial write to the expectation (C order)
  const strides = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((x, y) => x * y, 1));
  for (let k = 0; k < m; k++) {
    let rem = k, off = 0;
    for (let d = c.shape.length - 1; d >= 0; d--) {
      const ext = region[d][1] - region[d][0];
      off += (region[d][0] + (rem % ext)) * strides[d];
      rem = Math.floor(rem / ext);
    }
    want[off] = part[k];
  }
  try {
    const store = new zarr.FetchStore(url);
    const arr = await zarr.open(zarr.root(store).resolve(c.name), { kind: "array" });
    const got = await zarr.get(arr);
    const same = Buffer.compare(bytesOf(got.data), bytesOf(want)) === 0;
    check(`zarrita reads ${c.name} (${c.codec}${c.shards ? ", sharded" : ""})`, same,
      "contents differ");
    // a selection, which zarrita serves from inner chunks / byte ranges
    const box = c.shape.map((s) => [1, Math.min(s, 4)]);
    const sel = await zarr.get(arr, box.map(([a, b]) => zarr.slice(a, b)));
    const sub = extract(want, c.shape, box);
    check(`zarrita reads a selection of ${c.name}`,
      Buffer.compare(bytesOf(sel.data), bytesOf(sub)) === 0, "contents differ");
  } catch (e) {
    check(`zarrita reads ${c.name}`, false, String(e));
  }
}

// --- 2. zarrita writes through zarrd, zarrd-client reads ---------------------------------
const putStore = {
  async get(key) {
    const r = await fetch(base + key);
    if (r.status === 404) return undefined;
    if (!r.ok) throw new Error(`GET ${key}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
  async set(key, value) {
    const r = await fetch(base + key, { method: "PUT", body: value });
    if (!r.ok) throw new Error(`PUT ${key}: ${r.status}`);
  },
};

const bytes = { name: "bytes", configuration: { endian: "little" } };
const zCases = [
  { name: "z/plain", shape: [33, 17], chunks: [10, 6], dtype: "int32", codecs: [bytes] },
  { name: "z/zstd", shape: [20, 20], chunks: [7, 7], dtype: "uint16",
    codecs: [bytes, { name: "zstd", configuration: { level: 3, checksum: false } }] },
  { name: "z/transpose_zstd", shape: [6, 9, 5], chunks: [4, 4, 2], dtype: "float32",
    codecs: [{ name: "transpose", configuration: { order: [2, 0, 1] } }, bytes,
      { name: "zstd", configuration: { level: 1, checksum: false } }] },
];

for (const c of zCases) {
  try {
    const arr = await zarr.create(zarr.root(putStore).resolve(c.name), {
      shape: c.shape, chunkShape: c.chunks, dtype: c.dtype, codecs: c.codecs, fillValue: 0,
    });
    const n = c.shape.reduce((x, y) => x * y, 1);
    const data = pattern(c.dtype, n, 11);
    const stride = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((x, y) => x * y, 1));
    await zarr.set(arr, null, { data, shape: c.shape, stride });
    const got = execFileSync(cli, [url, "read", c.name]);
    check(`zarrd-client reads ${c.name} written by zarrita`,
      Buffer.compare(got, bytesOf(data)) === 0, `${got.length} bytes differ`);
  } catch (e) {
    check(`zarrd-client reads ${c.name} written by zarrita`, false, String(e));
  }
}

process.exit(failures ? 1 : 0);
