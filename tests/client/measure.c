/* measure.c: client_measure, the measurements behind two choices documented in
 * client/README.md (numbers are printed, never asserted; not a test):
 *   1. pool dispatch: cost per item of the worker pool for no-op items and for tiny chunk
 *      reads, with the claim size capped at 1, 4, 16 and 64 items;
 *   2. partial shard reads: `GET shard?chunks=C;C;...` (64 inner chunks a request, pipelined)
 *      versus the index plus coalesced byte ranges, for 1..1023 wanted inner chunks,
 *      contiguous and scattered;
 *   3. the three shard write modes writing one inner chunk of zarr-python's "large shard"
 *      case (shape 64³, inner chunks 1³, shards 32³: 32768 inner chunks per shard);
 *   4. a write that merges 32 partly covered inner chunks of a shard with their old bytes.
 * Usage: client_measure URL   (a running zarrd; writes under measure/). */
#include "zc_array_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The median of 21 timings (sorts t). */
static double median21(double t[21])
{
    for (int i = 0; i < 21; i++) /* insertion sort */
        for (int k = i; k > 0 && t[k] < t[k - 1]; k--) {
            double x = t[k];
            t[k] = t[k - 1];
            t[k - 1] = x;
        }
    return t[10];
}

static int noop(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)w;
    (void)i;
    (void)err;
    __atomic_add_fetch((size_t *)arg, 1, __ATOMIC_RELAXED);
    return 0;
}

static int check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "client_measure: %s: %s\n", what, zc_errmsg());
        exit(1);
    }
    return rc;
}

static void dispatch(zc_client *c)
{
    uint64_t shape[1] = {20000}, chunks[1] = {1};
    zc_array_spec s = {.ndim = 1, .shape = shape, .chunks = chunks, .dtype = "uint8"};
    zc_array *a;
    check(zc_array_create(c, "measure/tiny", &s, &a), "create");
    uint8_t *buf = malloc(shape[0]);
    memset(buf, 1, shape[0]);
    uint64_t start[1] = {0};
    check(zc_array_write(a, start, shape, buf), "write");
    zc_pool *pool;
    zd_error err;
    check(zc_array_pool(a, &pool, &err), "pool");
    printf("pool dispatch (%d workers)\nmax_batch  no-op ns/item  1-byte chunk reads/s\n",
           zc_pool_size(pool));
    static const size_t caps[] = {1, 4, 16, 64};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        zc_pool_set_max_batch(pool, caps[k]);
        size_t count = 0, n = 1000000;
        double t0 = now();
        zc_pool_run(pool, n, noop, &count, &err);
        double t1 = now(), best = 1e9;
        for (int r = 0; r < 3; r++) {
            double t2 = now();
            check(zc_array_read(a, start, shape, NULL, buf), "read");
            double t = now() - t2;
            best = t < best ? t : best;
        }
        printf("%9zu  %13.1f  %20.0f\n", caps[k], (t1 - t0) * 1e9 / (double)n,
               (double)shape[0] / best);
    }
    zc_pool_set_max_batch(pool, ZC_POOL_MAX_BATCH);
    free(buf);
    zc_array_close(a);
}

static double timed_read(zc_array *a, zc_shard_read_mode m, uint64_t first, uint64_t count,
                         uint64_t step, uint8_t *out)
{
    uint64_t start[1] = {first}, shape[1] = {count}, st[1] = {step};
    double best = 1e9;
    a->shard_read = m;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        check(zc_array_read(a, start, shape, st, out), "read");
        double t = now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static void shard_reads(zc_client *c)
{
    /* one shard of 1024 inner chunks of 64 bytes (the zarr-python large-shard shape in 1-D) */
    uint64_t shape[1] = {65536}, chunks[1] = {64}, shards[1] = {65536};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .shards = shards, .dtype = "uint8"};
    zc_array *a;
    check(zc_array_create(c, "measure/shard", &s, &a), "create");
    uint8_t *buf = malloc(shape[0]);
    for (size_t i = 0; i < shape[0]; i++)
        buf[i] = (uint8_t)(i % 251 + 1);
    uint64_t start[1] = {0};
    check(zc_array_write(a, start, shape, buf), "write");
    printf("\npartial shard reads (best of 5, ms)\ninner chunks  layout     ?chunks=  "
           "index+ranges\n");
    static const uint64_t wants[] = {1, 2, 8, 64, 128, 256, 512, 1023};
    for (int scattered = 0; scattered <= 1; scattered++) {
        for (size_t k = 0; k < sizeof wants / sizeof wants[0]; k++) {
            uint64_t n = wants[k];
            if (scattered && n > 512) continue;
            /* contiguous: n whole inner chunks; scattered: one element of every other chunk */
            uint64_t step = scattered ? 128 : 1, count = scattered ? n : n * 64;
            double tc = timed_read(a, ZC_SHARD_READ_CHUNK, 0, count, step, buf);
            double tr = timed_read(a, ZC_SHARD_READ_RANGES, 0, count, step, buf);
            printf("%12llu  %-10s  %7.3f  %12.3f\n", (unsigned long long)n,
                   scattered ? "scattered" : "contiguous", tc * 1e3, tr * 1e3);
        }
    }
    free(buf);
    zc_array_close(a);
}

static void write_modes(const char *url)
{
    static const char *const names[] = {"SERVER (POST ?batch)", "RANGE (PATCH slots)",
                                        "WHOLE (GET+PUT shard)"};
    static const zc_shard_write_mode modes[] = {ZC_SHARD_WRITE_SERVER, ZC_SHARD_WRITE_RANGE,
                                                ZC_SHARD_WRITE_WHOLE};
    printf("\none inner chunk write, shape 64^3, inner chunks 1^3, shards 32^3 (median of 21, "
           "ms)\n");
    for (int m = 0; m < 3; m++) {
        zc_options o;
        zc_options_init(&o);
        o.shard_write_mode = modes[m];
        zc_client *c;
        check(zc_client_open(url, &o, &c), "open");
        uint64_t shape[3] = {64, 64, 64}, chunks[3] = {1, 1, 1}, shards[3] = {32, 32, 32};
        zc_array_spec s = {
            .ndim = 3, .shape = shape, .chunks = chunks, .shards = shards, .dtype = "uint8"};
        char path[32];
        snprintf(path, sizeof path, "measure/large%d", m);
        zc_array *a;
        check(zc_array_create(c, path, &s, &a), "create");
        uint8_t *all = malloc(64 * 64 * 64);
        memset(all, 1, 64 * 64 * 64);
        uint64_t zero[3] = {0, 0, 0}, one[3] = {1, 1, 1};
        check(zc_array_write(a, zero, shape, all), "write all");
        double t[21];
        for (int r = 0; r < 21; r++) {
            uint8_t v = (uint8_t)(r + 2);
            uint64_t at[3] = {(uint64_t)r, 5, 7};
            double t0 = now();
            check(zc_array_write(a, at, one, &v), "write one");
            t[r] = now() - t0;
        }
        printf("%-24s %8.3f\n", names[m], median21(t) * 1e3);
        free(all);
        zc_array_close(a);
        zc_client_close(c);
    }
}

/* A write that covers the inner chunks of its first and last rows only partly: each write
 * merges 32 inner chunks with their old bytes (fetched from the server) and stores 256. */
static void partial_writes(zc_client *c)
{
    uint64_t shape[2] = {256, 256}, chunks[2] = {16, 16}, shards[2] = {256, 256};
    zc_array_spec s = {.ndim = 2, .shape = shape, .chunks = chunks, .shards = shards};
    s.dtype = "uint8";
    s.codec = "zstd";
    zc_array *a;
    check(zc_array_create(c, "measure/partial", &s, &a), "create");
    uint8_t *buf = malloc(256 * 256);
    memset(buf, 3, 256 * 256);
    uint64_t zero[2] = {0, 0}, start[2] = {2, 0}, block[2] = {252, 256};
    check(zc_array_write(a, zero, shape, buf), "write all");
    double t[21];
    for (int r = 0; r < 21; r++) {
        memset(buf, r + 4, 256 * 256);
        double t0 = now();
        check(zc_array_write(a, start, block, buf), "write rows 2..253");
        t[r] = now() - t0;
    }
    printf("\nwrite of rows [2, 254) of a 256^2 shard of 16^2 inner chunks (32 merged), median "
           "of 21: %.3f ms\n",
           median21(t) * 1e3);
    free(buf);
    zc_array_close(a);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: client_measure URL\n");
        return 2;
    }
    zc_client *c;
    check(zc_client_open(argv[1], NULL, &c), "open");
    dispatch(c);
    shard_reads(c);
    partial_writes(c);
    zc_client_close(c);
    write_modes(argv[1]);
    return 0;
}
