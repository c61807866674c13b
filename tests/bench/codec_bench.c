/* codec_bench.c: how much the codec chain costs on top of the codec itself. Encodes and
 * decodes the same chunks (default: 16 chunks of 64^3 uint16, smooth data with noise) once
 * through zd_codec_chain and once by calling zstd / zlib directly with one reused context,
 * interleaving the two, and prints MB/s per core (thread CPU time, decoded bytes) and the
 * chain/raw time ratio for each case. A program, not a test: numbers are reported, never
 * asserted.
 *
 *   codec_bench [--chunks N] [--edge E] [--rounds R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "zd_codec.h"

typedef struct bench_opts {
    int chunks;
    int edge;
    int rounds;
} bench_opts;

/* The raw codec a case is compared with, driven with one reused context. */
typedef struct raw_codec {
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    z_stream def;
    z_stream inf;
} raw_codec;

typedef struct bench_case {
    const char *name;
    const char *codecs; /* %d: the inner chunk edge, for sharded cases */
    bool gzip;          /* raw side: zlib gzip level `level`, else zstd level `level` */
    int level;
    bool sharded; /* the chain encodes shards of 2x2x2 chunks; raw encodes the chunks */
} bench_case;

static const bench_case cases[] = {
    {"zstd level 0",
     "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
     "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}}]",
     false, 0, false},
    {"gzip level 1",
     "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
     "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]",
     true, 1, false},
    {"shard zstd 0",
     "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[%d,%d,%d],"
     "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
     "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}}],"
     "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
     "{\"name\":\"crc32c\"}]}}]",
     false, 0, true},
};

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "codec_bench: %s\n", what);
    exit(1);
}

static size_t raw_encode(raw_codec *r, const bench_case *bc, const uint8_t *in, size_t n,
                         uint8_t *out, size_t cap)
{
    if (!bc->gzip) {
        size_t got = ZSTD_compressCCtx(r->zc, out, cap, in, n, bc->level);
        if (ZSTD_isError(got)) die("raw zstd compress failed");
        return got;
    }
    if (deflateReset(&r->def) != Z_OK) die("deflateReset failed");
    r->def.next_in = (Bytef *)in;
    r->def.avail_in = (uInt)n;
    r->def.next_out = out;
    r->def.avail_out = (uInt)cap;
    if (deflate(&r->def, Z_FINISH) != Z_STREAM_END) die("raw deflate failed");
    return cap - r->def.avail_out;
}

static void raw_decode(raw_codec *r, const bench_case *bc, const uint8_t *in, size_t n,
                       uint8_t *out, size_t size)
{
    if (!bc->gzip) {
        if (ZSTD_decompressDCtx(r->zd, out, size, in, n) != size) die("raw zstd decompress failed");
        return;
    }
    if (inflateReset(&r->inf) != Z_OK) die("inflateReset failed");
    r->inf.next_in = (Bytef *)in;
    r->inf.avail_in = (uInt)n;
    r->inf.next_out = out;
    r->inf.avail_out = (uInt)size;
    if (inflate(&r->inf, Z_FINISH) != Z_STREAM_END || r->inf.avail_out != 0)
        die("raw inflate failed");
}

/* Smooth 3-D field plus a little noise: compresses like real image data, not like zeros. */
static void make_chunk(uint16_t *p, int edge, int seed)
{
    uint32_t x = (uint32_t)seed * 2654435761u + 1;
    size_t i = 0;
    for (int z = 0; z < edge; z++)
        for (int y = 0; y < edge; y++)
            for (int v = 0; v < edge; v++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                p[i++] = (uint16_t)(1000 + 8 * z + 4 * y + v + seed * 50 + (x & 15));
            }
}

/* What each side encodes: the raw codec always the chunks; the chain the same chunks, or
 * shards assembled from 8 of them each. */
typedef struct workload {
    uint8_t **chunks;
    int nchunks;
    size_t chunk_size;
    uint8_t **units; /* what the chain encodes: chunks, or shards */
    int nunits;
    size_t unit_size;
    int unit_edge;
} workload;

typedef struct timing {
    double enc_raw, enc_chain, dec_raw, dec_chain; /* best round, seconds */
    size_t encoded;                                /* total encoded bytes (chain) */
} timing;

static void keep_min(double *best, double t)
{
    if (*best == 0 || t < *best) *best = t;
}

static zd_codec_chain *make_chain(const bench_case *bc, const workload *w, int edge)
{
    char text[1024];
    snprintf(text, sizeof text, bc->codecs, edge, edge, edge);
    zd_chunk_spec spec = {.ndim = 3, .dtype = ZD_UINT16};
    for (int d = 0; d < 3; d++)
        spec.shape[d] = (uint64_t)w->unit_edge;
    cJSON *json = cJSON_Parse(text);
    zd_codec_chain *chain;
    zd_error err;
    if (!json || zd_codec_chain_new(json, &spec, &chain, &err) != 0) die(err.msg);
    cJSON_Delete(json);
    return chain;
}

static timing run_case(const bench_case *bc, const workload *w, int edge, int rounds)
{
    zd_codec_chain *chain = make_chain(bc, w, edge);
    zd_codec_ctx *ctx;
    zd_error err;
    if (zd_codec_ctx_new(&ctx) != 0) die("out of memory");
    raw_codec raw = {.zc = ZSTD_createCCtx(), .zd = ZSTD_createDCtx()};
    if (deflateInit2(&raw.def, bc->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK ||
        inflateInit2(&raw.inf, 15 + 16) != Z_OK)
        die("zlib init failed");

    size_t size = w->chunk_size, cap = ZSTD_compressBound(size) + 1024;
    uint8_t **raw_enc = calloc((size_t)w->nchunks, sizeof *raw_enc);
    size_t *raw_len = calloc((size_t)w->nchunks, sizeof *raw_len);
    zd_buf *chain_enc = calloc((size_t)w->nunits, sizeof *chain_enc);
    uint8_t *out = malloc(w->unit_size);
    for (int c = 0; c < w->nchunks; c++)
        raw_enc[c] = malloc(cap);
    timing t = {0};
    for (int round = 0; round < rounds; round++) {
        double t0 = cpu_seconds();
        for (int c = 0; c < w->nchunks; c++)
            raw_len[c] = raw_encode(&raw, bc, w->chunks[c], size, raw_enc[c], cap);
        double t1 = cpu_seconds();
        for (int u = 0; u < w->nunits; u++)
            if (zd_codec_chain_encode(chain, ctx, w->units[u], w->unit_size, &chain_enc[u], &err) !=
                0)
                die(err.msg);
        double t2 = cpu_seconds();
        for (int c = 0; c < w->nchunks; c++)
            raw_decode(&raw, bc, raw_enc[c], raw_len[c], out, size);
        double t3 = cpu_seconds();
        for (int u = 0; u < w->nunits; u++)
            if (zd_codec_chain_decode(chain, ctx, chain_enc[u].data, chain_enc[u].len, out,
                                      w->unit_size, &err) != 0)
                die(err.msg);
        double t4 = cpu_seconds();
        keep_min(&t.enc_raw, t1 - t0);
        keep_min(&t.enc_chain, t2 - t1);
        keep_min(&t.dec_raw, t3 - t2);
        keep_min(&t.dec_chain, t4 - t3);
    }
    /* Same work on both sides: the chain's bytes are the raw codec's bytes (plus, for shards,
     * the indexes). */
    if (memcmp(out, w->units[w->nunits - 1], w->unit_size) != 0) die("decoded chunk differs");
    size_t raw_total = 0;
    for (int c = 0; c < w->nchunks; c++) {
        if (!bc->sharded &&
            (chain_enc[c].len != raw_len[c] || memcmp(chain_enc[c].data, raw_enc[c], raw_len[c])))
            die("chain and raw codec produced different bytes");
        raw_total += raw_len[c];
        free(raw_enc[c]);
    }
    for (int u = 0; u < w->nunits; u++) {
        t.encoded += chain_enc[u].len;
        zd_buf_free(&chain_enc[u]);
    }
    if (bc->sharded && t.encoded != raw_total + (size_t)w->nunits * (8 * 16 + 4))
        die("shards hold other bytes than the raw codec produced");
    free(raw_enc);
    free(raw_len);
    free(chain_enc);
    free(out);
    ZSTD_freeCCtx(raw.zc);
    ZSTD_freeDCtx(raw.zd);
    deflateEnd(&raw.def);
    inflateEnd(&raw.inf);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(chain);
    return t;
}

/* Shards of 2x2x2 chunks: chunk 8s+k is inner chunk k (C order) of shard s. */
static uint8_t **make_shards(uint8_t **chunks, int nchunks, int edge)
{
    int nshards = nchunks / 8;
    size_t row = (size_t)edge * 2;
    uint8_t **shards = malloc((size_t)nshards * sizeof *shards);
    for (int s = 0; s < nshards; s++) {
        shards[s] = malloc((size_t)edge * edge * edge * 2 * 8);
        uint16_t *dst = (uint16_t *)shards[s];
        for (int k = 0; k < 8; k++) {
            const uint16_t *src = (const uint16_t *)chunks[8 * s + k];
            int oz = (k >> 2) * edge, oy = ((k >> 1) & 1) * edge, ox = (k & 1) * edge;
            for (int z = 0; z < edge; z++)
                for (int y = 0; y < edge; y++)
                    memcpy(dst + ((size_t)(oz + z) * row + (size_t)(oy + y)) * row + (size_t)ox,
                           src + ((size_t)z * edge + (size_t)y) * edge, (size_t)edge * 2);
        }
    }
    return shards;
}

static void report(const char *name, const char *op, double raw, double chain, double mb)
{
    printf("%-14s %-7s %10.1f %10.1f %+9.2f%%\n", name, op, mb / raw, mb / chain,
           (chain / raw - 1) * 100);
}

static int parse_opts(int argc, char **argv, bench_opts *o)
{
    *o = (bench_opts){.chunks = 16, .edge = 64, .rounds = 5};
    for (int i = 1; i + 1 < argc; i += 2) {
        int v = atoi(argv[i + 1]);
        if (v < 1) return -1;
        if (strcmp(argv[i], "--chunks") == 0)
            o->chunks = v;
        else if (strcmp(argv[i], "--edge") == 0 && v <= 512)
            o->edge = v;
        else if (strcmp(argv[i], "--rounds") == 0)
            o->rounds = v;
        else
            return -1;
    }
    return argc % 2 == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: codec_bench [--chunks N] [--edge E] [--rounds R]\n");
        return 2;
    }
    size_t size = (size_t)o.edge * o.edge * o.edge * 2;
    uint8_t **chunks = malloc((size_t)o.chunks * sizeof *chunks);
    for (int c = 0; c < o.chunks; c++) {
        chunks[c] = malloc(size);
        make_chunk((uint16_t *)chunks[c], o.edge, c);
    }
    double mb = (double)size * o.chunks / 1e6;
    int nshards = o.chunks / 8;
    uint8_t **shards = make_shards(chunks, o.chunks, o.edge);
    printf("%d chunks of %d^3 uint16 (%.1f MB), best of %d rounds, thread CPU time\n", o.chunks,
           o.edge, mb, o.rounds);
    printf("%-14s %-7s %10s %10s %10s\n", "case", "op", "raw MB/s", "chain MB/s", "overhead");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        workload w = {chunks, o.chunks, size, chunks, o.chunks, size, o.edge};
        if (cases[i].sharded) {
            if (nshards == 0) continue;
            w = (workload){chunks, nshards * 8, size, shards, nshards, size * 8, o.edge * 2};
        }
        timing t = run_case(&cases[i], &w, o.edge, o.rounds);
        double case_mb = (double)w.unit_size * w.nunits / 1e6;
        report(cases[i].name, "encode", t.enc_raw, t.enc_chain, case_mb);
        report(cases[i].name, "decode", t.dec_raw, t.dec_chain, case_mb);
        printf("%-14s ratio   %.3f\n", cases[i].name, (double)w.unit_size * w.nunits / t.encoded);
    }
    for (int s = 0; s < nshards; s++)
        free(shards[s]);
    free(shards);
    for (int c = 0; c < o.chunks; c++)
        free(chunks[c]);
    free(chunks);
    return 0;
}
