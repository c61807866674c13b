/* test_array.c: array round trips through libzarrd-client and a real zarrd, against a dense
 * reference model: codec chains {none, gzip, zstd, transpose+zstd, crc32c} × layouts
 * {unsharded, sharded, nested sharding} × 1-D..4-D with edge chunks × a write sequence (whole,
 * overlapping partial blocks, partial inner chunks, fill-value writes) × write_empty_chunks
 * off/on (sharded and unsharded), read back whole and with steps. For sharded layouts the three
 * shard write modes must leave the same contents and the same keys, and each mode's client reads
 * what the others wrote. */
#include "array_case.h"
#include "client_test.h"

#include <stdlib.h>
#include <string.h>

TestSuite(array, .init = zt_fixture_start, .fini = zt_fixture_stop);

static const zc_shard_write_mode modes[] = {ZC_SHARD_WRITE_SERVER, ZC_SHARD_WRITE_RANGE,
                                            ZC_SHARD_WRITE_WHOLE};
#define NMODES (sizeof modes / sizeof modes[0])

static zc_client *mode_client(zc_shard_write_mode m, int write_empty)
{
    zc_options o;
    zc_options_init(&o);
    o.max_workers = 3;
    o.shard_write_mode = m;
    o.write_empty_chunks = write_empty;
    return ct_client(&o);
}

static void random_block(const ac_case *c, uint64_t *rs, uint64_t *start, uint64_t *shape,
                         uint64_t max_extent)
{
    for (int d = 0; d < c->ndim; d++) {
        uint64_t ext = 1 + ac_rand(rs) % (max_extent < c->shape[d] ? max_extent : c->shape[d]);
        start[d] = ac_rand(rs) % (c->shape[d] - ext + 1);
        shape[d] = ext;
    }
}

static size_t block_elems(int ndim, const uint64_t *shape)
{
    size_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= (size_t)shape[d];
    return n;
}

/* Write a block to the array (if any) and the model (if any). */
static void write_both(const ac_case *c, zc_array *a, void *model, const uint64_t *start,
                       const uint64_t *shape, const void *data)
{
    if (a) ZC_OK_OR_FAIL(zc_array_write(a, start, shape, data));
    if (model) ac_model_write(c, model, start, shape, data);
}

/* The write sequence of the test matrix; the same seed gives the same writes. With a == NULL
 * it builds the model alone, with model == NULL it writes the array alone. */
static void write_sequence(const ac_case *c, zc_array *a, void *model, uint64_t seed)
{
    uint64_t rs = seed;
    uint64_t start[4] = {0}, shape[4];
    size_t n = ac_elems(c);
    uint8_t *buf = malloc(n * c->elem);
    /* whole */
    ac_random_fill(&rs, buf, n * c->elem);
    write_both(c, a, model, start, c->shape, buf);
    /* overlapping partial blocks */
    for (int k = 0; k < 3; k++) {
        random_block(c, &rs, start, shape, c->shards[0] + 3);
        ac_random_fill(&rs, buf, block_elems(c->ndim, shape) * c->elem);
        write_both(c, a, model, start, shape, buf);
    }
    /* partial inner chunks: tiny blocks */
    for (int k = 0; k < 3; k++) {
        random_block(c, &rs, start, shape, 2);
        ac_random_fill(&rs, buf, block_elems(c->ndim, shape) * c->elem);
        write_both(c, a, model, start, shape, buf);
    }
    /* the fill value over a large block: chunks (and shards) it covers become empty */
    for (int d = 0; d < c->ndim; d++) {
        start[d] = 0;
        shape[d] = c->shape[d] > c->shards[d] + 1 ? c->shards[d] + 1 : c->shape[d];
    }
    ac_fill_value(c, buf, block_elems(c->ndim, shape));
    write_both(c, a, model, start, shape, buf);
    free(buf);
}

static void expect_contents(const ac_case *c, zc_array *a, const void *model, uint64_t seed)
{
    size_t n = ac_elems(c);
    uint8_t *got = malloc(n * c->elem), *want = malloc(n * c->elem);
    uint64_t start[4] = {0}, step[4], shape[4];
    ZC_OK_OR_FAIL(zc_array_read(a, start, c->shape, NULL, got));
    cr_assert_eq(memcmp(got, model, n * c->elem), 0, "whole read differs (%s)", ac_zarr_json(c));
    uint64_t rs = seed ^ 0x9e3779b97f4a7c15ULL;
    for (int k = 0; k < 3; k++) {
        for (int d = 0; d < c->ndim; d++) {
            step[d] = 1 + ac_rand(&rs) % 5;
            start[d] = ac_rand(&rs) % c->shape[d];
            shape[d] = (c->shape[d] - start[d] + step[d] - 1) / step[d];
        }
        size_t m = block_elems(c->ndim, shape);
        memset(got, 0xEE, m * c->elem);
        ZC_OK_OR_FAIL(zc_array_read(a, start, shape, step, got));
        ac_model_read(c, model, start, shape, step, want);
        cr_assert_eq(memcmp(got, want, m * c->elem), 0, "strided read %d differs (%s)", k,
                     ac_zarr_json(c));
    }
    free(got);
    free(want);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const zc_entry *)x)->name, ((const zc_entry *)y)->name);
}

/* Sorted chunk keys below path (zarr.json excluded), joined with spaces. */
static char *key_set(zc_client *cl, const char *path)
{
    zc_entry *e;
    size_t n;
    ZC_OK_OR_FAIL(zc_list(cl, path, 1, &e, &n));
    qsort(e, n, sizeof *e, by_name);
    size_t cap = 16;
    for (size_t i = 0; i < n; i++)
        cap += strlen(e[i].name) + 1;
    char *s = calloc(1, cap);
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, "zarr.json") != 0) {
            strcat(s, e[i].name);
            strcat(s, " ");
        }
    zc_entries_free(e, n);
    return s;
}

static void run_layout(ac_layout layout, int write_empty)
{
    zc_client *cl[NMODES];
    for (size_t m = 0; m < NMODES; m++)
        cl[m] = mode_client(modes[m], write_empty);
    int nmodes = layout == AC_UNSHARDED ? 1 : (int)NMODES;
    for (int ndim = 1; ndim <= 4; ndim++) {
        for (int ch = 0; ch < AC_NCHAINS; ch++) {
            ac_case c;
            ac_case_init(&c, ndim, (ac_chain)ch, layout, ndim + ch);
            uint64_t seed = 0x1234567ULL * (uint64_t)(ndim * 16 + ch + 1);
            /* The reference: the write sequence applied to the dense model alone, once. Every
             * mode's array must read back as it. */
            void *model = ac_model_new(&c);
            write_sequence(&c, NULL, model, seed);
            char *keys[NMODES] = {0};
            char path[NMODES][64];
            for (int m = 0; m < nmodes; m++) {
                snprintf(path[m], sizeof path[m], "l%d/e%d/d%d/c%d/m%d", layout, write_empty, ndim,
                         ch, m);
                zc_array *a;
                ZC_OK_OR_FAIL(zc_array_create_json(cl[m], path[m], ac_zarr_json(&c), &a));
                write_sequence(&c, a, NULL, seed);
                expect_contents(&c, a, model, seed);
                keys[m] = key_set(cl[m], path[m]);
                zc_array_close(a);
            }
            for (int m = 1; m < nmodes; m++) {
                cr_assert_str_eq(keys[m], keys[0], "mode %d keys [%s] differ from mode 0 [%s] (%s)",
                                 m, keys[m], keys[0], ac_zarr_json(&c));
                zc_array *other; /* each mode's client reads another mode's array */
                ZC_OK_OR_FAIL(zc_array_open(cl[m], path[(m + 1) % nmodes], &other));
                expect_contents(&c, other, model, seed);
                zc_array_close(other);
            }
            for (int m = 0; m < nmodes; m++)
                free(keys[m]);
            free(model);
        }
    }
    for (size_t m = 0; m < NMODES; m++)
        zc_client_close(cl[m]);
}

Test(array, unsharded_matrix, .timeout = 120)
{
    run_layout(AC_UNSHARDED, 0);
}

Test(array, sharded_matrix, .timeout = 120)
{
    run_layout(AC_SHARDED, 0);
}

Test(array, nested_sharding_matrix, .timeout = 120)
{
    run_layout(AC_NESTED, 0);
}

/* The same with write_empty_chunks on: fill-valued chunks are stored (unsharded), and shards
 * still drop fill-valued inner chunks in every mode, so the modes still agree. */
Test(array, unsharded_matrix_write_empty_chunks, .timeout = 120)
{
    run_layout(AC_UNSHARDED, 1);
}

Test(array, sharded_matrix_write_empty_chunks, .timeout = 120)
{
    run_layout(AC_SHARDED, 1);
}

/* write_empty_chunks: off deletes chunks equal to the fill value, on stores them. */
Test(array, write_empty_chunks_on_and_off)
{
    for (int on = 0; on <= 1; on++) {
        zc_client *cl = mode_client(ZC_SHARD_WRITE_SERVER, on);
        ac_case c;
        ac_case_init(&c, 2, AC_ZSTD, AC_UNSHARDED, 1);
        char path[32];
        snprintf(path, sizeof path, "wec%d", on);
        zc_array *a;
        ZC_OK_OR_FAIL(zc_array_create_json(cl, path, ac_zarr_json(&c), &a));
        size_t n = ac_elems(&c);
        uint8_t *buf = malloc(n * c.elem);
        uint64_t rs = 99, start[2] = {0, 0};
        ac_random_fill(&rs, buf, n * c.elem);
        ZC_OK_OR_FAIL(zc_array_write(a, start, c.shape, buf));
        char *keys = key_set(cl, path);
        cr_assert_gt(strlen(keys), 0);
        free(keys);
        ac_fill_value(&c, buf, n);
        ZC_OK_OR_FAIL(zc_array_write(a, start, c.shape, buf));
        keys = key_set(cl, path);
        size_t nchunks = ((c.shape[0] + c.chunks[0] - 1) / c.chunks[0]) *
                         ((c.shape[1] + c.chunks[1] - 1) / c.chunks[1]);
        size_t count = 0;
        for (char *p = keys; *p; p++)
            count += *p == ' ';
        cr_assert_eq(count, on ? nchunks : 0, "write_empty_chunks=%d: %zu keys: %s", on, count,
                     keys);
        free(keys);
        uint8_t *got = malloc(n * c.elem);
        ZC_OK_OR_FAIL(zc_array_read(a, start, c.shape, NULL, got));
        cr_assert_eq(memcmp(got, buf, n * c.elem), 0);
        free(got);
        free(buf);
        zc_array_close(a);
        zc_client_close(cl);
    }
}

Test(array, create_from_spec_and_reopen)
{
    zc_client *cl = ct_client(NULL);
    uint64_t shape[2] = {100, 60}, chunks[2] = {10, 10}, shards[2] = {50, 30};
    zc_array_spec s = {.ndim = 2,
                       .shape = shape,
                       .chunks = chunks,
                       .shards = shards,
                       .dtype = "uint16",
                       .codec = "zstd",
                       .fill_json = "42"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(cl, "g/spec", &s, &a));
    cr_assert_eq(zc_array_ndim(a), 2);
    cr_assert_eq(zc_array_chunk_shape(a)[1], 30);
    cr_assert_eq(zc_array_elem_size(a), 2);
    cr_assert_str_eq(zc_array_dtype(a), "uint16");
    uint16_t v[3] = {1, 2, 3}, got[6];
    uint64_t st[2] = {49, 29}, sh[2] = {1, 3}, rst[2] = {49, 28}, rsh[2] = {1, 6};
    ZC_OK_OR_FAIL(zc_array_write(a, st, sh, v));
    zc_array_close(a);
    ZC_OK_OR_FAIL(zc_array_open(cl, "g/spec", &a));
    ZC_OK_OR_FAIL(zc_array_read(a, rst, rsh, NULL, got));
    uint16_t want[6] = {42, 1, 2, 3, 42, 42};
    cr_assert_eq(memcmp(got, want, sizeof want), 0);
    char *json;
    ZC_OK_OR_FAIL(zc_array_metadata(a, &json));
    cr_assert(strstr(json, "sharding_indexed") && strstr(json, "zstd"), "%s", json);
    zc_free(json);
    zc_array_close(a);
    ZC_OK_OR_FAIL(zc_group_create(cl, "g", "{\"k\": 1}"));
    cr_assert_eq(zc_array_open(cl, "g", &a), ZC_EINVAL);
    cr_assert_eq(zc_array_open(cl, "nothing/here", &a), ZC_ENOTFOUND);
    zc_client_close(cl);
}

Test(array, bad_regions_are_refused)
{
    zc_client *cl = ct_client(NULL);
    uint64_t shape[1] = {10}, chunks[1] = {4};
    zc_array_spec s = {.ndim = 1, .shape = shape, .chunks = chunks, .dtype = "uint8"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(cl, "small", &s, &a));
    uint8_t buf[16] = {0};
    uint64_t st[1] = {8}, sh[1] = {3}, step0[1] = {0};
    cr_assert_eq(zc_array_write(a, st, sh, buf), ZC_ERANGE);
    cr_assert_eq(zc_array_read(a, st, sh, NULL, buf), ZC_ERANGE);
    sh[0] = 1;
    cr_assert_eq(zc_array_read(a, st, sh, step0, buf), ZC_EINVAL);
    zc_array_close(a);
    zc_client_close(cl);
}

/* A stored chunk that does not decode is reported, not crashed on. */
Test(array, corrupt_chunk_is_an_error)
{
    zc_client *cl = ct_client(NULL);
    uint64_t shape[1] = {16}, chunks[1] = {8};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .dtype = "uint8", .codec = "gzip"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(cl, "bad", &s, &a));
    ZC_OK_OR_FAIL(zc_put(cl, "bad/c/1", "garbage!", 8));
    uint8_t buf[16];
    uint64_t st[1] = {0};
    cr_assert_eq(zc_array_read(a, st, shape, NULL, buf), ZC_ECORRUPT);
    cr_assert(strstr(zc_errmsg(), "bad/c/1"), "message: %s", zc_errmsg());
    zc_array_close(a);
    zc_client_close(cl);
}

/* Inner chunk coordinates past 127 take two-byte varints in batches and long ?chunk= queries;
 * every write mode must place them. */
Test(array, many_inner_chunks_per_shard)
{
    for (size_t m = 0; m < NMODES; m++) {
        zc_client *cl = mode_client(modes[m], 0);
        uint64_t shape[1] = {3000}, chunks[1] = {1}, shards[1] = {2048};
        zc_array_spec s = {
            .ndim = 1, .shape = shape, .chunks = chunks, .shards = shards, .dtype = "uint8"};
        char path[32];
        snprintf(path, sizeof path, "many%zu", m);
        zc_array *a;
        ZC_OK_OR_FAIL(zc_array_create(cl, path, &s, &a));
        uint8_t v[5] = {1, 2, 3, 4, 5}, got[3000], want[3000] = {0};
        uint64_t at[3] = {130, 1999, 2046}, n[1] = {5};
        for (int i = 0; i < 3; i++) {
            uint64_t st[1] = {at[i]};
            ZC_OK_OR_FAIL(zc_array_write(a, st, n, v));
            memcpy(want + at[i], v, 5);
        }
        uint64_t zero[1] = {0};
        ZC_OK_OR_FAIL(zc_array_read(a, zero, shape, NULL, got));
        cr_assert_eq(memcmp(got, want, sizeof want), 0, "mode %zu", m);
        zc_array_close(a);
        zc_client_close(cl);
    }
}

/* Wanted inner chunks far apart (gaps past the 64 KiB coalescing distance) are fetched as
 * separate ranges of multi-range GETs, 64 ranges per request: 67 here, so two requests. */
Test(array, scattered_inner_chunks_in_multi_range_reads)
{
    zc_client *cl = ct_client(NULL);
    enum { INNER = 33000, NINNER = 200 };
    uint64_t shape[1] = {(uint64_t)INNER * NINNER}, chunks[1] = {INNER}, shards[1] = {shape[0]};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .shards = shards, .dtype = "uint8"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(cl, "scattered", &s, &a));
    uint8_t *all = malloc(shape[0]);
    for (uint64_t i = 0; i < shape[0]; i++)
        all[i] = (uint8_t)(i * 7 + i / INNER);
    uint64_t zero[1] = {0};
    ZC_OK_OR_FAIL(zc_array_write(a, zero, shape, all));
    /* one element from every third inner chunk */
    uint64_t start[1] = {5}, step[1] = {3 * INNER}, count[1] = {(NINNER + 2) / 3};
    uint8_t got[(NINNER + 2) / 3];
    ZC_OK_OR_FAIL(zc_array_read(a, start, count, step, got));
    for (uint64_t k = 0; k < count[0]; k++)
        cr_assert_eq(got[k], all[5 + k * 3 * INNER], "element %llu", (unsigned long long)k);
    free(all);
    zc_array_close(a);
    zc_client_close(cl);
}
