// side_by_side_table.mjs: merges the JSON results of tests/bench/side_by_side.sh into one
// Markdown table: each matrix case through zarrd (fs and memory store) beside zarrita on a
// local directory and zarrita reading through zarrd, with the ratio peer/zarrd (> 1: zarrd
// is faster), and zarr-python's published numbers for orientation.
//
//   node side_by_side_table.mjs FS.json MEM.json ZARRITA_LOCAL.json ZARRITA_FETCH.json
//
// A missing or unreadable input shows as n/a in its columns.
import { readFileSync } from "node:fs";

// zarr-python's published numbers (another machine; milliseconds; mean of pytest-benchmark).
// PR #3891's own numbers could not be found with the search tool; these are from the PRs
// whose threads could be read, with the benchmark names they used.
const published = {
  "e2e/c100-s1000000/none/write":
    "local 1006.27 main / 68.45 sketch; memory 1018.60 / 46.85 (PR #3719, test_write_array[chunks=100,shards=1M-None])",
  "idx/none/point": "0.28 main / 0.03 sketch (PR #3719, test_slice_indexing[None-(0,0,0)])",
  "idx/s50/all": "89.80 main / 9.12 sketch (PR #3719, test_slice_indexing[(50,50,50)-full_slice])",
  "large/read_shard":
    "2153.47 main / 226.80 sketch (PR #3719, test_sharded_morton_indexing_large[(32,32,32)]; 32768-chunk shard, array shape not checked)",
  "large/write1":
    "425 main / 261 with PR #3708 (PR #3712, test_sharded_morton_write_single_chunk)",
};

function load(path, pick) {
  try {
    return pick(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return [];
  }
}
const byName = (list) => new Map(list.map((r) => [r.name, r]));
const [fsPath, memPath, localPath, fetchPath] = process.argv.slice(2);
const fs = byName(load(fsPath, (j) => j.cases));
const mem = byName(load(memPath, (j) => j.cases));
const zl = byName(load(localPath, (j) => j));
const zf = byName(load(fetchPath, (j) => j));

const ms = (r) => (!r ? "n/a" : r.error ? "FAILED" : r.median_ms.toFixed(r.median_ms < 10 ? 3 : 1));
function peer(r, base) {
  if (!r) return ["n/a", ""];
  if (r.na) return [`n/a (${r.na})`, ""];
  const t = r.median_ms.toFixed(r.median_ms < 10 ? 3 : 1) +
            (r.source === "zarrd-written" ? " †" : "");
  if (!base || base.error || !(base.median_ms > 0)) return [t, ""];
  return [t, `${(r.median_ms / base.median_ms).toFixed(1)}×`];
}

const rows = [];
rows.push("| case | zarrd fs ms | zarrd memory ms | zarrita local ms | local/zarrd | " +
          "zarrita via zarrd ms | fetch/zarrd | zarr-python published (ms, other machine) |");
rows.push("|---|---:|---:|---:|---:|---:|---:|---|");
for (const [name, r] of fs.size ? fs : mem) {
  const [lt, lr] = peer(zl.get(name), r);
  const [ft, fr] = peer(zf.get(name), r);
  rows.push(`| ${name} | ${ms(fs.get(name))} | ${ms(mem.get(name))} | ${lt} | ${lr} | ${ft} | ` +
            `${fr} | ${published[name] ?? ""} |`);
}
console.log(rows.join("\n"));
console.log("\nRatios are peer time / zarrd fs time (median of the repeats): > 1 means zarrd is " +
            "faster. † = zarrita read an array that zarrd wrote into its fs root (zarrita could " +
            "not write that layout itself).");
