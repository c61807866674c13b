/* bench_cases.c: the matrix cases (DESIGN.md "Benchmarks"), grouped in families:
 *   e2e       shape (1e6,) uint8, three chunk/shard layouts x {none, gzip 1} x {write, read};
 *             writes `arr[...] = 1` into a fresh array, reads the whole array.
 *   indexing  shape (105,)*3 chunks (10,)*3, shards none or (50,)*3, six zarr-python selections.
 *   large     shape (64,)*3 chunks (1,)*3 shards (32,)*3 (32768 inner chunks per shard): write
 *             one inner chunk, read one, read a whole shard.
 *   bulk      zarrs' case: uint16 cube of --size edge, shards 256^3, inner chunks 64^3, zstd 0;
 *             write all, read all, read chunk by chunk.
 * Arrays hold a known pattern, so every read is compared element by element with what the
 * pattern says; every write is read back and compared. Arrays already written with their
 * pattern in this process are remembered and not rewritten by a later case's preparation. */
#include "bench_cases.h"

#include "bench_keys.h"

#include "zd_checked.h"
#include "zd_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arrays known to hold their pattern ---- */

#define MAX_KNOWN 32
static char known[MAX_KNOWN][256];

static bool is_known(const char *path)
{
    for (int i = 0; i < MAX_KNOWN; i++)
        if (strcmp(known[i], path) == 0) return true;
    return false;
}

static void set_known(const char *path, bool good)
{
    for (int i = 0; i < MAX_KNOWN; i++)
        if (strcmp(known[i], path) == 0) {
            if (!good) known[i][0] = 0;
            return;
        }
    for (int i = 0; good && i < MAX_KNOWN; i++)
        if (!known[i][0]) {
            snprintf(known[i], sizeof(known[i]), "%s", path);
            return;
        }
}

/* ---- helpers ---- */

static int fail(zb_case_ctx *ctx, int rc, const char *what)
{
    snprintf(ctx->why, sizeof(ctx->why), "%s: %s", what, zc_errmsg());
    return rc;
}

static int set_path(zb_case_ctx *ctx, const char *name)
{
    int n = snprintf(ctx->path, sizeof(ctx->path), "%s/%s", ctx->cfg->prefix, name);
    return n > 0 && (size_t)n < sizeof(ctx->path) ? 0 : ZD_EINVAL;
}

/* Replace the array at ctx->path by an empty one with this layout; ctx->arr is its handle. */
static int fresh_array(zb_case_ctx *ctx, int ndim, const uint64_t *shape, const uint64_t *chunks,
                       const uint64_t *shards, const char *dtype, const char *codec, int level)
{
    set_known(ctx->path, false);
    zc_array_close(ctx->arr);
    ctx->arr = NULL;
    int rc = zb_delete_prefix(ctx->client, ctx->path);
    if (rc) return fail(ctx, rc, "deleting the old array");
    zc_array_spec spec = {.ndim = ndim,
                          .shape = shape,
                          .chunks = chunks,
                          .shards = shards,
                          .dtype = dtype,
                          .codec = codec,
                          .level = level,
                          .fill_json = "0"};
    rc = zc_array_create(ctx->client, ctx->path, &spec, &ctx->arr);
    return rc ? fail(ctx, rc, "creating the array") : 0;
}

/* Allocate ctx->data and ctx->out of `len` bytes. */
static int alloc_buffers(zb_case_ctx *ctx, size_t len)
{
    ctx->data = malloc(len);
    ctx->out = malloc(len);
    ctx->len = len;
    if (!ctx->data || !ctx->out) {
        snprintf(ctx->why, sizeof(ctx->why), "out of memory for %zu bytes", len);
        return ZD_ENOMEM;
    }
    return 0;
}

static int write_all(zb_case_ctx *ctx, const uint64_t *shape)
{
    uint64_t start[3] = {0, 0, 0};
    int rc = zc_array_write(ctx->arr, start, shape, ctx->data);
    return rc ? fail(ctx, rc, "writing the array") : 0;
}

static int read_all(zb_case_ctx *ctx, const uint64_t *shape)
{
    uint64_t start[3] = {0, 0, 0};
    int rc = zc_array_read(ctx->arr, start, shape, NULL, ctx->out);
    return rc ? fail(ctx, rc, "reading the array") : 0;
}

/* Compare out with data over n bytes; name the first difference. */
static int same(zb_case_ctx *ctx, const uint8_t *got, const uint8_t *want, size_t n)
{
    if (memcmp(got, want, n) == 0) return 0;
    size_t i = 0;
    while (got[i] == want[i])
        i++;
    snprintf(ctx->why, sizeof(ctx->why), "wrong data at byte %zu: got %u, expected %u", i, got[i],
             want[i]);
    return ZD_ECORRUPT;
}

/* Make sure the array holds its pattern (ctx->data), writing it if this process has not. */
static int ensure_written(zb_case_ctx *ctx, int ndim, const uint64_t *shape, const uint64_t *chunks,
                          const uint64_t *shards, const char *dtype, const char *codec, int level)
{
    if (is_known(ctx->path)) {
        int rc = zc_array_open(ctx->client, ctx->path, &ctx->arr);
        return rc ? fail(ctx, rc, "opening the array") : 0;
    }
    int rc = fresh_array(ctx, ndim, shape, chunks, shards, dtype, codec, level);
    if (!rc) rc = write_all(ctx, shape);
    if (!rc) set_known(ctx->path, true);
    return rc;
}

/* ---- e2e: shape (1e6,), uint8, arr[...] = 1 ---- */

#define E2E_N 1000000u

static const char *e2e_codec_name(const zb_case *c)
{
    return strcmp(c->codec, "gzip") == 0 ? "gzip" : "none";
}

static int e2e_create(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t shape = E2E_N, chunks = c->chunks, shards = c->shards;
    return fresh_array(ctx, 1, &shape, &chunks, c->shards ? &shards : NULL, "uint8",
                       e2e_codec_name(c), strcmp(c->codec, "gzip") == 0 ? 1 : 0);
}

static int e2e_prepare(zb_case_ctx *ctx, const zb_case *c)
{
    char name[96];
    if (c->shards)
        snprintf(name, sizeof(name), "e2e-c%llu-s%llu-%s", (unsigned long long)c->chunks,
                 (unsigned long long)c->shards, c->codec);
    else
        snprintf(name, sizeof(name), "e2e-c%llu-%s", (unsigned long long)c->chunks, c->codec);
    int rc = set_path(ctx, name);
    if (!rc) rc = alloc_buffers(ctx, E2E_N);
    if (rc) return rc;
    memset(ctx->data, 1, E2E_N);
    ctx->bytes = E2E_N;
    if (c->op == ZB_WRITE) return 0;
    uint64_t shape = E2E_N, chunks = c->chunks, shards = c->shards;
    return ensure_written(ctx, 1, &shape, &chunks, c->shards ? &shards : NULL, "uint8",
                          e2e_codec_name(c), strcmp(c->codec, "gzip") == 0 ? 1 : 0);
}

static int e2e_before(zb_case_ctx *ctx, const zb_case *c)
{
    return c->op == ZB_WRITE ? e2e_create(ctx, c) : 0;
}

static int e2e_run(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t shape = E2E_N;
    return c->op == ZB_WRITE ? write_all(ctx, &shape) : read_all(ctx, &shape);
}

static int e2e_check(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t shape = E2E_N;
    if (c->op == ZB_WRITE) {
        int rc = read_all(ctx, &shape);
        if (rc) return rc;
        set_known(ctx->path, true);
    }
    return same(ctx, ctx->out, ctx->data, E2E_N);
}

static const zb_family e2e = {e2e_prepare, e2e_before, e2e_run, e2e_check};

/* ---- 3-D uint8 pattern shared by indexing and large shard ---- */

static uint8_t pattern8(uint64_t x, uint64_t y, uint64_t z)
{
    return (uint8_t)(x * 31u + y * 7u + z * 3u + 1u);
}

static void fill_pattern8(uint8_t *buf, uint64_t n)
{
    for (uint64_t x = 0; x < n; x++)
        for (uint64_t y = 0; y < n; y++)
            for (uint64_t z = 0; z < n; z++)
                buf[(x * n + y) * n + z] = pattern8(x, y, z);
}

/* Read the block start + i*step of `shape` and compare it with pattern8. */
static int check_block8(zb_case_ctx *ctx, const uint64_t *start, const uint64_t *shape,
                        const uint64_t *step, const uint8_t *got)
{
    uint64_t i = 0;
    for (uint64_t a = 0; a < shape[0]; a++)
        for (uint64_t b = 0; b < shape[1]; b++)
            for (uint64_t d = 0; d < shape[2]; d++, i++) {
                uint8_t want = pattern8(start[0] + a * step[0], start[1] + b * step[1],
                                        start[2] + d * step[2]);
                if (got[i] != want) {
                    snprintf(ctx->why, sizeof(ctx->why),
                             "wrong element [%llu,%llu,%llu]: got %u, expected %u",
                             (unsigned long long)(start[0] + a * step[0]),
                             (unsigned long long)(start[1] + b * step[1]),
                             (unsigned long long)(start[2] + d * step[2]), got[i], want);
                    return ZD_ECORRUPT;
                }
            }
    return 0;
}

/* ---- indexing: (105,)*3, chunks (10,)*3, shards none / (50,)*3 ---- */

#define IDX_N 105u

static const struct {
    uint64_t start[3], shape[3], step[3];
} idx_sel[] = {
    {{0, 0, 0}, {1, 1, 1}, {1, 1, 1}},       /* [0, 0, 0] */
    {{0, 0, 0}, {105, 105, 105}, {1, 1, 1}}, /* [:, :, :] */
    {{0, 0, 0}, {27, 27, 27}, {4, 4, 4}},    /* [0::4] * 3 */
    {{0, 0, 0}, {10, 10, 10}, {1, 1, 1}},    /* [:10] * 3 */
    {{10, 10, 10}, {22, 22, 22}, {4, 4, 4}}, /* [10:-10:4] * 3 */
    {{0, 0, 0}, {105, 2, 10}, {1, 2, 1}},    /* [:, 0:3:2, 0:10] */
};

static int idx_prepare(zb_case_ctx *ctx, const zb_case *c)
{
    int rc = set_path(ctx, c->shards ? "idx-s50" : "idx-none");
    if (!rc) rc = alloc_buffers(ctx, (size_t)IDX_N * IDX_N * IDX_N);
    if (rc) return rc;
    fill_pattern8(ctx->data, IDX_N);
    const uint64_t *shape = idx_sel[c->sel].shape;
    ctx->bytes = shape[0] * shape[1] * shape[2];
    ctx->out_used = (size_t)ctx->bytes;
    uint64_t full[3] = {IDX_N, IDX_N, IDX_N}, chunks[3] = {10, 10, 10}, shards[3] = {50, 50, 50};
    return ensure_written(ctx, 3, full, chunks, c->shards ? shards : NULL, "uint8", "none", 0);
}

static int idx_run(zb_case_ctx *ctx, const zb_case *c)
{
    int rc = zc_array_read(ctx->arr, idx_sel[c->sel].start, idx_sel[c->sel].shape,
                           idx_sel[c->sel].step, ctx->out);
    return rc ? fail(ctx, rc, "reading the selection") : 0;
}

static int idx_check(zb_case_ctx *ctx, const zb_case *c)
{
    return check_block8(ctx, idx_sel[c->sel].start, idx_sel[c->sel].shape, idx_sel[c->sel].step,
                        ctx->out);
}

static const zb_family indexing = {idx_prepare, NULL, idx_run, idx_check};

/* ---- large shard: (64,)*3, chunks (1,)*3, shards (32,)*3 ---- */

#define LARGE_N 64u

static const uint64_t one3[3] = {1, 1, 1};
static const uint64_t read1_at[3] = {1, 2, 3};

static uint8_t large_written_value(unsigned repeat)
{
    return (uint8_t)(pattern8(0, 0, 0) + 1 + repeat % 200); /* never the pattern, never 0 */
}

static int large_prepare(zb_case_ctx *ctx, const zb_case *c)
{
    int rc = set_path(ctx, "large");
    if (!rc) rc = alloc_buffers(ctx, (size_t)LARGE_N * LARGE_N * LARGE_N);
    if (rc) return rc;
    fill_pattern8(ctx->data, LARGE_N);
    ctx->bytes = c->sel ? 32u * 32u * 32u : 1;
    ctx->out_used = c->op == ZB_WRITE ? 2u * 2u * 2u : (size_t)ctx->bytes; /* see large_check */
    uint64_t full[3] = {LARGE_N, LARGE_N, LARGE_N}, shards[3] = {32, 32, 32};
    return ensure_written(ctx, 3, full, one3, shards, "uint8", "none", 0);
}

/* ZB_WRITE: one inner chunk; ZB_READ: one inner chunk (sel 0) or a whole shard (sel 1) */
static int large_run(zb_case_ctx *ctx, const zb_case *c)
{
    static const uint64_t origin[3] = {0, 0, 0}, shard[3] = {32, 32, 32};
    int rc;
    if (c->op == ZB_WRITE) {
        uint8_t v = large_written_value(ctx->repeat);
        set_known(ctx->path, false);
        rc = zc_array_write(ctx->arr, origin, one3, &v);
        return rc ? fail(ctx, rc, "writing one inner chunk") : 0;
    }
    if (c->sel == 0)
        rc = zc_array_read(ctx->arr, read1_at, one3, NULL, ctx->out);
    else
        rc = zc_array_read(ctx->arr, origin, shard, NULL, ctx->out);
    return rc ? fail(ctx, rc, "reading") : 0;
}

static int large_check(zb_case_ctx *ctx, const zb_case *c)
{
    static const uint64_t origin[3] = {0, 0, 0}, two3[3] = {2, 2, 2}, shard[3] = {32, 32, 32};
    if (c->op == ZB_READ)
        return c->sel == 0 ? check_block8(ctx, read1_at, one3, one3, ctx->out)
                           : check_block8(ctx, origin, shard, one3, ctx->out);
    /* the written chunk holds the new value; its neighbours in the shard are untouched */
    int rc = zc_array_read(ctx->arr, origin, two3, NULL, ctx->out);
    if (rc) return fail(ctx, rc, "reading back");
    uint8_t want = large_written_value(ctx->repeat);
    if (ctx->out[0] != want) {
        snprintf(ctx->why, sizeof(ctx->why), "written chunk reads %u, expected %u", ctx->out[0],
                 want);
        return ZD_ECORRUPT;
    }
    ctx->out[0] = pattern8(0, 0, 0);
    return check_block8(ctx, origin, two3, one3, ctx->out);
}

static const zb_family large = {large_prepare, NULL, large_run, large_check};

/* ---- bulk: uint16 cube, shards 256^3, inner chunks 64^3, zstd level 0 ---- */

#define BULK_SHARD 256u
#define BULK_CHUNK 64u

static uint16_t pattern16(uint64_t x, uint64_t y, uint64_t z)
{
    return (uint16_t)(x + 2 * y + 3 * z + ((x * y * z) & 15));
}

static int bulk_prepare(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t n = ctx->cfg->size, elems, bytes;
    if (!zd_mul_u64(n, n, &elems) || !zd_mul_u64(elems, n, &elems) ||
        !zd_mul_u64(elems, 2, &bytes) || bytes > SIZE_MAX)
        return ZD_EOVERFLOW;
    char name[64];
    snprintf(name, sizeof(name), "bulk-%llu", (unsigned long long)n);
    int rc = set_path(ctx, name);
    if (!rc) rc = alloc_buffers(ctx, (size_t)bytes);
    if (rc) return rc;
    uint16_t *d = (uint16_t *)(void *)ctx->data;
    for (uint64_t x = 0; x < n; x++)
        for (uint64_t y = 0; y < n; y++)
            for (uint64_t z = 0; z < n; z++)
                *d++ = pattern16(x, y, z);
    ctx->bytes = bytes;
    if (c->op == ZB_WRITE) return 0;
    uint64_t shape[3] = {n, n, n}, chunks[3] = {BULK_CHUNK, BULK_CHUNK, BULK_CHUNK},
             shards[3] = {BULK_SHARD, BULK_SHARD, BULK_SHARD};
    return ensure_written(ctx, 3, shape, chunks, shards, "uint16", "zstd", 0);
}

static int bulk_before(zb_case_ctx *ctx, const zb_case *c)
{
    if (c->op != ZB_WRITE) return 0;
    uint64_t n = ctx->cfg->size;
    uint64_t shape[3] = {n, n, n}, chunks[3] = {BULK_CHUNK, BULK_CHUNK, BULK_CHUNK},
             shards[3] = {BULK_SHARD, BULK_SHARD, BULK_SHARD};
    return fresh_array(ctx, 3, shape, chunks, shards, "uint16", "zstd", 0);
}

/* Chunk-by-chunk reads land one after another in out, in C order of the chunk grid. */
static int bulk_run(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t n = ctx->cfg->size, shape[3] = {n, n, n};
    if (c->op == ZB_WRITE) return write_all(ctx, shape);
    if (c->op == ZB_READ) return read_all(ctx, shape);
    uint64_t g = n / BULK_CHUNK, chunk[3] = {BULK_CHUNK, BULK_CHUNK, BULK_CHUNK};
    size_t chunk_bytes = (size_t)BULK_CHUNK * BULK_CHUNK * BULK_CHUNK * 2;
    uint8_t *dst = ctx->out;
    for (uint64_t a = 0; a < g; a++)
        for (uint64_t b = 0; b < g; b++)
            for (uint64_t d = 0; d < g; d++, dst += chunk_bytes) {
                uint64_t start[3] = {a * BULK_CHUNK, b * BULK_CHUNK, d * BULK_CHUNK};
                int rc = zc_array_read(ctx->arr, start, chunk, NULL, dst);
                if (rc) return fail(ctx, rc, "reading a chunk");
            }
    return 0;
}

static int bulk_check(zb_case_ctx *ctx, const zb_case *c)
{
    uint64_t n = ctx->cfg->size, shape[3] = {n, n, n};
    if (c->op == ZB_WRITE) {
        int rc = read_all(ctx, shape);
        if (rc) return rc;
        set_known(ctx->path, true);
    }
    if (c->op != ZB_READ_CHUNKS) return same(ctx, ctx->out, ctx->data, ctx->len);
    uint64_t g = n / BULK_CHUNK;
    const uint16_t *got = (const uint16_t *)(const void *)ctx->out;
    for (uint64_t a = 0; a < g; a++)
        for (uint64_t b = 0; b < g; b++)
            for (uint64_t d = 0; d < g; d++)
                for (uint64_t x = a * BULK_CHUNK; x < (a + 1) * BULK_CHUNK; x++)
                    for (uint64_t y = b * BULK_CHUNK; y < (b + 1) * BULK_CHUNK; y++) {
                        const uint16_t *want = (const uint16_t *)(const void *)ctx->data +
                                               (x * n + y) * n + d * BULK_CHUNK;
                        if (memcmp(got, want, BULK_CHUNK * 2) != 0) {
                            snprintf(ctx->why, sizeof(ctx->why),
                                     "wrong data in chunk [%llu,%llu,%llu]", (unsigned long long)a,
                                     (unsigned long long)b, (unsigned long long)d);
                            return ZD_ECORRUPT;
                        }
                        got += BULK_CHUNK;
                    }
    return 0;
}

static const zb_family bulk = {bulk_prepare, bulk_before, bulk_run, bulk_check};

/* ---- the table ---- */

#define E2E(layout, ch, sh, codec)                                                                 \
    {"e2e/" layout "/" codec "/write", &e2e, ZB_WRITE, ch, sh, codec, 0},                          \
    {                                                                                              \
        "e2e/" layout "/" codec "/read", &e2e, ZB_READ, ch, sh, codec, 0                           \
    }
#define IDX(layout, sh)                                                                            \
    {"idx/" layout "/point", &indexing, ZB_READ, 10, sh, "none", 0},                               \
        {"idx/" layout "/all", &indexing, ZB_READ, 10, sh, "none", 1},                             \
        {"idx/" layout "/step4", &indexing, ZB_READ, 10, sh, "none", 2},                           \
        {"idx/" layout "/head10", &indexing, ZB_READ, 10, sh, "none", 3},                          \
        {"idx/" layout "/mid_step4", &indexing, ZB_READ, 10, sh, "none", 4},                       \
    {                                                                                              \
        "idx/" layout "/mixed", &indexing, ZB_READ, 10, sh, "none", 5                              \
    }

const zb_case zb_cases[] = {
    E2E("c1000", 1000, 0, "none"),
    E2E("c1000", 1000, 0, "gzip"),
    E2E("c1000-s1000", 1000, 1000, "none"),
    E2E("c1000-s1000", 1000, 1000, "gzip"),
    E2E("c100-s1000000", 100, 1000000, "none"),
    E2E("c100-s1000000", 100, 1000000, "gzip"),
    IDX("none", 0),
    IDX("s50", 50),
    {"large/read1", &large, ZB_READ, 0, 0, "none", 0},
    {"large/read_shard", &large, ZB_READ, 0, 0, "none", 1},
    {"large/write1", &large, ZB_WRITE, 0, 0, "none", 0},
    {"bulk/write", &bulk, ZB_WRITE, 0, 0, "zstd", 0},
    {"bulk/read", &bulk, ZB_READ, 0, 0, "zstd", 0},
    {"bulk/read_chunks", &bulk, ZB_READ_CHUNKS, 0, 0, "zstd", 0},
};
const size_t zb_ncases = sizeof(zb_cases) / sizeof(zb_cases[0]);

void zb_case_ctx_reset(zb_case_ctx *ctx)
{
    zc_array_close(ctx->arr);
    free(ctx->data);
    free(ctx->out);
    ctx->arr = NULL;
    ctx->data = ctx->out = NULL;
    ctx->len = 0;
    ctx->bytes = 0;
    ctx->out_used = 0;
    ctx->why[0] = 0;
}
