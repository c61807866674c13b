// zarrita_bench.mjs: the cases of `zarrd-bench matrix` run with zarrita (an independent
// JavaScript Zarr v3 implementation), for tests/bench/side_by_side.sh.
//
//   node zarrita_bench.mjs local DIR ZARRD_ROOT REPEATS SIZE   zarrita on a local directory
//   node zarrita_bench.mjs fetch URL REPEATS SIZE              zarrita reading through zarrd
//
// local: zarrita writes each array into DIR itself and reads it back. Where zarrita cannot
// write a case (sharded arrays) the write is reported as n/a with
// zarrita's own error, and the read is done from the same array as written by zarrd into its
// fs store (ZARRD_ROOT, a plain Zarr directory), noted as source "zarrd-written".
// fetch: every read case through zarrd's HTTP API with zarrita's FetchStore (URL = zarrd base
// URL plus the matrix prefix); writes are n/a (FetchStore is read-only).
// Data and verification match bench_cases.c: e2e arrays hold 1, the 3-D uint8 arrays
// pattern8, the bulk cube pattern16; every read is checked element by element (not timed).
// Prints one JSON array: [{name, median_ms, min_ms, max_ms, source} | {name, na}].
import * as zarr from "zarrita";
import FileSystemStore from "@zarrita/storage/fs";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// zarrita's built-in gzip codec only decodes; numcodecs.js (a zarrita dependency, fflate
// inside) also encodes, so it is registered for "gzip" and zarrita can write the gzip cases.
zarr.registry.set("gzip", () => import("numcodecs/gzip").then((m) => m.default));

const [mode, ...args] = process.argv.slice(2);
const local = mode === "local";
if (!local && mode !== "fetch") {
  console.error("usage: zarrita_bench.mjs local DIR ZARRD_ROOT REPEATS SIZE | fetch URL REPEATS SIZE");
  process.exit(2);
}
const [dir, zarrdRoot] = local ? args : [null, null];
const url = local ? null : args[0];
const repeats = Number(local ? args[2] : args[1]);
const size = Number(local ? args[3] : args[2]);

const pattern8 = (x, y, z) => (x * 31 + y * 7 + z * 3 + 1) & 255;
const pattern16 = (x, y, z) => (x + 2 * y + 3 * z + ((x * y * z) & 15)) & 0xffff;

// zarrita starts every chunk request at once by default; on a local directory that opens one
// file per inner chunk concurrently (EMFILE with 32768-chunk shards). A queue of at most 64
// requests in flight keeps it within limits, as zarrita's docs suggest for large selections.
const createQueue = () => {
  let active = 0;
  const waiting = [];
  const started = [];
  const next = () => {
    while (active < 64 && waiting.length) {
      active++;
      const fn = waiting.shift();
      started.push(fn().finally(() => { active--; next(); }));
    }
  };
  return {
    add(fn) { waiting.push(fn); next(); },
    async onIdle() {
      while (waiting.length || active) await Promise.allSettled(started.slice());
      return Promise.all(started);
    },
  };
};
const qopts = { createQueue };

const results = [];
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ZARRITA_CASES=PREFIX,...: run only the cases whose names start with one of the prefixes
// (tests/bench/writes_vs_zarrita.sh alternates single cases with zarrd's); default all.
const only = process.env.ZARRITA_CASES ? process.env.ZARRITA_CASES.split(",") : null;
const wanted = (name) => !only || only.some((p) => name.startsWith(p) || p.startsWith(name));

async function timed(name, source, setup, run, check) {
  if (!wanted(name)) return false;
  const times = [];
  try {
    for (let r = 0; r < repeats; r++) {
      if (setup) await setup();
      const t0 = performance.now();
      const out = await run();
      times.push(performance.now() - t0);
      await check(out);
    }
    results.push({ name, median_ms: median(times), min_ms: Math.min(...times),
                   max_ms: Math.max(...times), source });
    return true;
  } catch (e) {
    results.push({ name, na: `zarrita: ${e.message}` });
    return false;
  }
}

const readStore = local ? new FileSystemStore(zarrdRoot) : new zarr.FetchStore(url);
const openZarrd = (name) => zarr.open(zarr.root(readStore).resolve(name), { kind: "array" });

function expectAll(data, value, what) {
  for (let i = 0; i < data.length; i++)
    if (data[i] !== value) throw new Error(`${what}: element ${i} is ${data[i]}, expected ${value}`);
}

// skipOrigin: element [0,0,0] of "large" holds the value large/write1 wrote last
function expectBlock(chunk, start, step, pat, skipOrigin = false) {
  const [n0, n1, n2] = chunk.shape;
  const d = chunk.data;
  let i = 0;
  for (let a = 0; a < n0; a++)
    for (let b = 0; b < n1; b++)
      for (let c = 0; c < n2; c++, i++) {
        if (skipOrigin && i === 0) continue;
        const want = pat(start[0] + a * step[0], start[1] + b * step[1], start[2] + c * step[2]);
        if (d[i] !== want) throw new Error(`wrong element ${i}: ${d[i]} != ${want}`);
      }
}

const gzipCodecs = (level) => [{ name: "bytes", configuration: { endian: "little" } },
                               { name: "gzip", configuration: { level } }];
const bytesCodec = [{ name: "bytes", configuration: { endian: "little" } }];
const sharding = (inner, codecs) => [{
  name: "sharding_indexed",
  configuration: {
    chunk_shape: inner, codecs,
    index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
    index_location: "end",
  },
}];

// Create a fresh array with zarrita in DIR; returns it.
async function createLocal(name, shape, chunks, shards, codecs, dtype) {
  rmSync(join(dir, name), { recursive: true, force: true });
  const store = new FileSystemStore(dir);
  return zarr.create(zarr.root(store).resolve(name), {
    shape, dtype, fillValue: 0,
    chunkShape: shards ?? chunks,
    codecs: shards ? sharding(chunks, codecs) : codecs,
  });
}

async function e2e() {
  const N = 1000000;
  for (const [layout, chunks, shards] of [["c1000", 1000, 0], ["c1000-s1000", 1000, 1000],
                                          ["c100-s1000000", 100, 1000000]]) {
    for (const codec of ["none", "gzip"]) {
      const name = `e2e/${layout}/${codec}`;
      const array = `e2e-${layout}-${codec}`;
      const codecs = codec === "gzip" ? gzipCodecs(1) : bytesCodec;
      let wrote = false;
      if (local) {
        let arr;
        wrote = await timed(`${name}/write`, "zarrita-written",
          async () => { arr = await createLocal(array, [N], [chunks], shards ? [shards] : null,
                                                codecs, "uint8"); },
          () => zarr.set(arr, null, 1, qopts),
          async () => expectAll((await zarr.get(arr, null, qopts)).data, 1, "read back"));
      } else {
        results.push({ name: `${name}/write`, na: "FetchStore is read-only" });
      }
      const source = wrote ? "zarrita-written" : "zarrd-written";
      const open = wrote ? () => zarr.open(zarr.root(new FileSystemStore(dir)).resolve(array),
                                           { kind: "array" })
                         : () => openZarrd(array);
      let arr;
      await timed(`${name}/read`, source, async () => { arr ??= await open(); },
                  () => zarr.get(arr, null, qopts), async (out) => expectAll(out.data, 1, "read"));
    }
  }
}

const S = zarr.slice;
const idxSel = [
  ["point", [0, 0, 0], [0, 0, 0], [1, 1, 1]],
  ["all", [null, null, null], [0, 0, 0], [1, 1, 1]],
  ["step4", [S(0, null, 4), S(0, null, 4), S(0, null, 4)], [0, 0, 0], [4, 4, 4]],
  ["head10", [S(10), S(10), S(10)], [0, 0, 0], [1, 1, 1]],
  ["mid_step4", [S(10, 95, 4), S(10, 95, 4), S(10, 95, 4)], [10, 10, 10], [4, 4, 4]],
  ["mixed", [null, S(0, 3, 2), S(0, 10)], [0, 0, 0], [1, 2, 1]],
];

async function indexing() {
  const N = 105;
  const full = new Uint8Array(N * N * N);
  for (let x = 0, i = 0; x < N; x++)
    for (let y = 0; y < N; y++)
      for (let z = 0; z < N; z++) full[i++] = pattern8(x, y, z);
  for (const layout of ["none", "s50"]) {
    let arr = null, source = "zarrd-written";
    if (local) {
      try {
        const a = await createLocal(`idx-${layout}`, [N, N, N], [10, 10, 10],
                                    layout === "s50" ? [50, 50, 50] : null, bytesCodec, "uint8");
        await zarr.set(a, null, { data: full, shape: [N, N, N], stride: [N * N, N, 1] }, qopts);
        arr = a;
        source = "zarrita-written";
      } catch {
        // zarrita cannot write this layout (sharded): read the zarrd-written array instead
      }
    }
    for (const [sel, selection, start, step] of idxSel) {
      await timed(`idx/${layout}/${sel}`, source,
        async () => { arr ??= await openZarrd(`idx-${layout}`); },
        () => zarr.get(arr, selection, qopts),
        async (out) => {
          if (sel === "point") {
            if (out !== pattern8(0, 0, 0)) throw new Error(`point read ${out}`);
          } else {
            expectBlock(out, start, step, pattern8);
          }
        });
    }
  }
}

async function large() {
  if (local) results.push({ name: "large/write1", na: "zarrita cannot write sharded arrays" });
  else results.push({ name: "large/write1", na: "FetchStore is read-only" });
  let arr;
  const open = async () => { arr ??= await openZarrd("large"); };
  await timed("large/read1", "zarrd-written", open, () => zarr.get(arr, [1, 2, 3], qopts),
    async (v) => { if (v !== pattern8(1, 2, 3)) throw new Error(`read ${v}`); });
  await timed("large/read_shard", "zarrd-written", open,
    () => zarr.get(arr, [S(32), S(32), S(32)], qopts),
    async (out) => expectBlock(out, [0, 0, 0], [1, 1, 1], pattern8, true));
}

function expectBulk(out, start) {
  const [n0, n1, n2] = out.shape;
  const d = out.data;
  let i = 0;
  for (let a = 0; a < n0; a++)
    for (let b = 0; b < n1; b++)
      for (let c = 0; c < n2; c++, i++) {
        const want = pattern16(start[0] + a, start[1] + b, start[2] + c);
        if (d[i] !== want) throw new Error(`bulk element ${i}: ${d[i]} != ${want}`);
      }
}

async function bulk() {
  results.push({ name: "bulk/write",
                 na: local ? "zarrita cannot write sharded arrays" : "FetchStore is read-only" });
  let arr;
  const open = async () => { arr ??= await openZarrd(`bulk-${size}`); };
  await timed("bulk/read", "zarrd-written", open, () => zarr.get(arr, null, qopts),
              async (out) => expectBulk(out, [0, 0, 0]));
  const g = size / 64;
  let chunks = [];
  await timed("bulk/read_chunks", "zarrd-written", open, async () => {
    chunks = [];
    for (let a = 0; a < g; a++)
      for (let b = 0; b < g; b++)
        for (let c = 0; c < g; c++)
          chunks.push(await zarr.get(arr, [S(a * 64, a * 64 + 64), S(b * 64, b * 64 + 64),
                                           S(c * 64, c * 64 + 64)], qopts));
    return chunks;
  }, async (all) => {
    let k = 0;
    for (let a = 0; a < g; a++)
      for (let b = 0; b < g; b++)
        for (let c = 0; c < g; c++) expectBulk(all[k++], [a * 64, b * 64, c * 64]);
  });
}

if (wanted("e2e/")) await e2e();
if (wanted("idx/")) await indexing();
if (wanted("large/")) await large();
if (wanted("bulk/")) await bulk();
console.log(JSON.stringify(results, null, 1));
