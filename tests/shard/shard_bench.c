/* shard_bench.c: the shard engine benchmark (prints numbers; not a test). It starts a zarrd
 * (fs store, --threads 2, the --fsync mode given as argv[1], default none) and measures:
 *
 *  1. one inner chunk written into a shard of 32768 inner chunks (zarr-python's large-shard
 *     case: shape 64^3, chunks 1^3, shards 32^3, uint8: 1-byte inner chunks), and into a shard
 *     of 10,000 inner chunks of 100 bytes: a server-side patch (PUT ?chunk=) against the
 *     client-side read-modify-write of the whole shard (GET, replace the chunk, PUT), both on
 *     one keep-alive connection in the same run; latency mean / median and the ratio;
 *  2. patches of different shards from 1 connection and from 2 connections (throughput; with
 *     2 server threads this shows whether patches scale across cores), and the same for the
 *     engine alone (in this process, 1 thread vs 2 threads), without HTTP.
 *
 * Usage: build/tests/shard/shard_bench [none|batch|always] */
#include "shard_engine.h"
#include "shard_http_client.h"
#include "zd_shard_index.h"
#include "zt_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static zt_server server;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats {
    double mean, median, p99, max;
} stats;

static stats summarise(double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return (stats){sum / n, v[n / 2], v[n * 99 / 100], v[n - 1]};
}

static void die(const char *what)
{
    fprintf(stderr, "shard_bench: %s\n", what);
    zt_server_stop(&server, NULL);
    exit(1);
}

/* A whole shard of n chunks of `size` bytes each, index at the end with crc32c. */
static void build_shard(const zd_shard_layout *l, size_t size, zd_buf *out)
{
    zd_shard_entry *e = malloc((size_t)l->nchunks * sizeof *e);
    zd_buf_reset(out);
    for (uint64_t i = 0; i < l->nchunks; i++) {
        e[i] = (zd_shard_entry){i * size, size};
        for (size_t k = 0; k < size; k++) {
            uint8_t b = (uint8_t)(i + k);
            zd_buf_append(out, &b, 1);
        }
    }
    size_t isz = zd_shard_index_size(l);
    zd_buf_reserve(out, isz);
    zd_shard_index_encode(l, e, out->data + out->len);
    out->len += isz;
    free(e);
}

static void coords_of(const zd_shard_layout *l, uint64_t pos, uint64_t *c)
{
    for (int d = l->ndim - 1; d >= 0; d--) {
        c[d] = pos % l->chunks[d];
        pos /= l->chunks[d];
    }
}

/* Client-side read-modify-write: GET the shard, overwrite chunk pos in place, PUT it back. */
static void rmw_once(zt_conn *c, const char *key, const zd_shard_layout *l, uint64_t pos,
                     const uint8_t *chunk, size_t size)
{
    zt_response r = {0};
    if (shc_request(c, "GET", key, NULL, NULL, NULL, 0, &r) || r.status != 200)
        die("GET of the whole shard failed");
    size_t isz = zd_shard_index_size(l);
    zd_shard_entry *e = malloc((size_t)l->nchunks * sizeof *e);
    if (zd_shard_index_decode(l, r.body.data + r.body.len - isz, isz, r.body.len, e, NULL))
        die("the shard does not decode");
    memcpy(r.body.data + e[pos].offset, chunk, size);
    free(e);
    zt_response put = {0};
    if (shc_request(c, "PUT", key, NULL, NULL, r.body.data, r.body.len, &put) ||
        put.status / 100 != 2)
        die("PUT of the whole shard failed");
    zt_response_free(&put);
    zt_response_free(&r);
}

static void patch_once(zt_conn *c, const char *key, const char *layout, const zd_shard_layout *l,
                       uint64_t pos, const uint8_t *chunk, size_t size)
{
    uint64_t coords[ZD_MAX_DIMS];
    char q[128];
    coords_of(l, pos, coords);
    shc_chunk_query(q, sizeof q, l->ndim, coords);
    if (shc_status(c, "PUT", key, q, layout, chunk, size) != 204) die("shard patch failed");
}

static void compare(const char *name, const char *key, const char *layout, int ndim,
                    const uint64_t *chunks, size_t size, int patches, int rmws)
{
    zd_shard_layout l;
    zd_shard_layout_init(&l, ndim, chunks, true, true, false, NULL);
    zd_buf shard = {0};
    build_shard(&l, size, &shard);
    zt_conn c;
    if (zt_conn_open_server(&c, &server)) die("cannot connect");
    zt_response r = {0};
    if (shc_request(&c, "PUT", key, NULL, NULL, shard.data, shard.len, &r) || r.status / 100 != 2)
        die("initial PUT failed");
    zt_response_free(&r);
    uint8_t chunk[100];
    memset(chunk, 0xAB, sizeof chunk);
    double *t = malloc((size_t)(patches > rmws ? patches : rmws) * sizeof *t);
    double start = now_us();
    for (int i = 0; i < patches; i++) {
        double t0 = now_us();
        patch_once(&c, key, layout, &l, (uint64_t)(i * 7919) % l.nchunks, chunk, size);
        t[i] = now_us() - t0;
    }
    double patch_rate = patches / ((now_us() - start) / 1e6);
    stats sp = summarise(t, patches);
    start = now_us();
    for (int i = 0; i < rmws; i++) {
        double t0 = now_us();
        rmw_once(&c, key, &l, (uint64_t)(i * 7919) % l.nchunks, chunk, size);
        t[i] = now_us() - t0;
    }
    double rmw_rate = rmws / ((now_us() - start) / 1e6);
    stats sr = summarise(t, rmws);
    printf("%s (shard %zu bytes)\n", name, shard.len);
    printf("  server patch  PUT ?chunk=   n=%-5d mean %8.1f us  median %8.1f  p99 %8.1f  max "
           "%8.1f  %6.0f/s\n",
           patches, sp.mean, sp.median, sp.p99, sp.max, patch_rate);
    printf("  client RMW    GET+PUT shard n=%-5d mean %8.1f us  median %8.1f  p99 %8.1f  max "
           "%8.1f  %6.0f/s\n",
           rmws, sr.mean, sr.median, sr.p99, sr.max, rmw_rate);
    printf("  ratio (RMW / patch latency): mean %.0fx, median %.0fx\n", sr.mean / sp.mean,
           sr.median / sp.median);
    free(t);
    zd_buf_free(&shard);
    zt_conn_close(&c);
}

typedef struct scale_arg {
    int first_shard, nshards, patches;
} scale_arg;

#define SCALE_LAYOUT "chunks=16,16; index=end; crc32c=1"

static void *scale_worker(void *p)
{
    scale_arg *a = p;
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 16};
    zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL);
    zt_conn c;
    if (zt_conn_open_server(&c, &server)) die("cannot connect");
    uint8_t chunk[64];
    memset(chunk, 7, sizeof chunk);
    for (int i = 0; i < a->patches; i++) {
        char key[64];
        snprintf(key, sizeof key, "scale/c/%d", a->first_shard + i % a->nshards);
        chunk[0] = (uint8_t)i;
        patch_once(&c, key, SCALE_LAYOUT, &l, (uint64_t)(i * 31) % 256, chunk,
                   32 + (size_t)(i % 2) * 32);
    }
    zt_conn_close(&c);
    return NULL;
}

static double scale_run(int conns, int patches_each)
{
    pthread_t t[2];
    scale_arg a[2];
    double start = now_us();
    for (int i = 0; i < conns; i++) {
        a[i] = (scale_arg){i * 8, 8, patches_each};
        pthread_create(&t[i], NULL, scale_worker, &a[i]);
    }
    for (int i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    return conns * patches_each / ((now_us() - start) / 1e6);
}

typedef struct engine_arg {
    sh_engine *e;
    int first_shard, patches;
} engine_arg;

static void *engine_worker(void *p)
{
    engine_arg *a = p;
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 16};
    zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL);
    uint8_t chunk[64] = {0};
    for (int i = 0; i < a->patches; i++) {
        char key[64];
        snprintf(key, sizeof key, "engine/c/%d", a->first_shard + i % 8);
        uint64_t pos = (uint64_t)(i * 31) % 256, c[2] = {pos / 16, pos % 16};
        chunk[0] = (uint8_t)i;
        if (sh_engine_put(a->e, key, &l, c, chunk, 32 + (size_t)(i % 2) * 32, NULL))
            die("engine patch failed");
    }
    return NULL;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* Patches per second; *cpu_per_patch gets the CPU time one patch cost (all threads). */
static double engine_run(sh_engine *e, int threads, int patches_each, double *cpu_per_patch)
{
    pthread_t t[2];
    engine_arg a[2];
    double start = now_us(), cpu0 = cpu_us();
    for (int i = 0; i < threads; i++) {
        a[i] = (engine_arg){e, i * 8, patches_each};
        pthread_create(&t[i], NULL, engine_worker, &a[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    *cpu_per_patch = (cpu_us() - cpu0) / (threads * patches_each);
    return threads * patches_each / ((now_us() - start) / 1e6);
}

static void engine_scaling(const char *root, ks_fsync_mode mode)
{
    sh_engine *e;
    ks_root *ks;
    kl_table *keys;
    sh_engine_opts opts = {.fsync = mode};
    ks_opts ko = {.fsync = mode};
    if (ks_root_open(root, &ko, &ks, NULL) || kl_table_new(&keys) ||
        sh_engine_open(&e, ks, keys, &opts, NULL))
        die("cannot open an engine");
    double cpu1, cpu2;
    engine_run(e, 2, 1000, &cpu1); /* create the shards */
    double one = engine_run(e, 1, 40000, &cpu1), two = engine_run(e, 2, 40000, &cpu2);
    printf("engine alone, patches to different shards: 1 thread %.0f/s (%.1f us CPU each), "
           "2 threads %.0f/s (%.1f us CPU each) (x%.2f)\n",
           one, cpu1, two, cpu2, two / one);
    sh_engine_close(e);
    kl_table_free(keys);
    ks_root_close(ks);
}

int main(int argc, char **argv)
{
    const char *fsync = argc > 1 ? argv[1] : "none";
    const char *args[] = {"--fsync", fsync, "--threads", "2", NULL};
    zt_server_opts opts = {.store = "fs", .extra_args = args};
    if (zt_server_start(&server, &opts)) die("cannot start zarrd");
    printf("zarrd --fsync %s --threads 2, root %s\n", fsync, server.root);
    uint64_t cube[3] = {32, 32, 32}, square[2] = {100, 100};
    compare("32768 inner chunks of 1 byte (64^3 array, chunks 1^3, shards 32^3, uint8)",
            "large/c/0/0/0", "chunks=32,32,32", 3, cube, 1, 5000, 200);
    compare("10,000 inner chunks of 100 bytes", "hundred/c/0/0", "chunks=100,100", 2, square, 100,
            5000, 200);
    scale_run(2, 500); /* warm up: create the shards */
    double one = scale_run(1, 10000), two = scale_run(2, 10000);
    printf("patches to different shards: 1 connection %.0f/s, 2 connections %.0f/s "
           "(x%.2f)\n",
           one, two, two / one);
    char engine_root[PATH_MAX + 16];
    snprintf(engine_root, sizeof engine_root, "%s/engine-bench", server.dir);
    engine_scaling(engine_root, strcmp(fsync, "always") == 0  ? KS_FSYNC_ALWAYS
                                : strcmp(fsync, "batch") == 0 ? KS_FSYNC_BATCH
                                                              : KS_FSYNC_NONE);
    return zt_server_stop(&server, NULL) == 0 ? 0 : 1;
}
