/* bench_writers.c: `zarrd-bench URL writers`, the concurrency benefit of the shard endpoints,
 * honestly compared. N clients (default 16, each its own zc_client, so its own connection)
 * write different inner chunks of ONE shard at once for a bounded time, in one of two ways:
 *
 *   server  each write is one request to the shard endpoint (the client library's default
 *           ZC_SHARD_WRITE_SERVER: `POST shard?batch` with one inner chunk); the server
 *           places the chunk under the shard's lock;
 *   rmw     each write is the careful client-side read-modify-write of the whole shard
 *           (ZC_SHARD_WRITE_WHOLE: GET the shard with its ETag, merge, PUT with If-Match,
 *           start again on 412, as tensorstore does).
 *
 * Every write stores a chunk that names its writer and a sequence number, so after the run the
 * shard read back tells, per writer, whether its last acknowledged write is there: a chunk
 * holding an older write (or anything else) is a lost update. Reports writes/s, latency
 * percentiles (one write, retries included), failures, the 412 answers the server gave
 * (from /_zarrd/metrics: each is a lost race and one more round trip for rmw) and lost
 * updates; `--mode both` runs server then rmw and prints the throughput ratio. */
#include "bench_writers.h"

#include "bench_clock.h"
#include "bench_hist.h"
#include "bench_keys.h"
#include "bench_opts.h"
#include "zd_error.h"

#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WRITERS 256

static const char usage[] =
    "usage: zarrd-bench URL writers [options]\n"
    "  -c, --clients N       concurrent writers, one inner chunk each (default 16, max 256)\n"
    "  -d, --duration S      seconds per mode (default 5, max 3600)\n"
    "      --chunk-size N    bytes per inner chunk (default 4K; K M suffixes; at least 16)\n"
    "      --shard-chunks N  inner chunks in the shard, all stored before the run (default:\n"
    "                        one per writer; at most 65536 and 1 GiB of shard)\n"
    "      --mode M          server, rmw or both (default both)\n"
    "      --prefix P        key prefix (default bench/writers)\n"
    "      --keep            leave the arrays on the server\n"
    "      --allow-remote    permit a non-loopback URL\n";

typedef enum { MODE_SERVER, MODE_RMW } writers_mode;
static const char *const mode_name[] = {"server", "rmw"};

typedef struct writers_cfg {
    const char *url;
    unsigned clients;
    double duration_s;
    uint64_t chunk;
    uint64_t shard_chunks; /* inner chunks in the shard (>= clients) */
    int modes;             /* bit 0 server, bit 1 rmw */
    const char *prefix;
    bool keep, allow_remote;
} writers_cfg;

typedef struct writer {
    const writers_cfg *cfg;
    zc_array *arr;
    unsigned id;
    uint64_t end_ns;
    uint64_t acked_seq; /* sequence number of the last acknowledged write (0: none) */
    uint64_t ok, failed;
    char first_error[200];
    zb_hist lat;
    uint8_t *buf;
    pthread_t tid;
} writer;

typedef struct mode_result {
    double elapsed_s;
    uint64_t ok, failed, conflicts, lost;
    zb_hist lat;
    char first_error[200];
} mode_result;

/* The chunk of writer `id`'s write number `seq`: both numbers up front, then bytes derived
 * from them, so any mix-up of two writes shows. */
static void fill_chunk(uint8_t *p, uint64_t n, unsigned id, uint64_t seq)
{
    uint64_t who = id;
    memcpy(p, &who, sizeof who);
    memcpy(p + 8, &seq, sizeof seq);
    for (uint64_t i = 16; i < n; i++)
        p[i] = (uint8_t)(i * 31 + id * 7 + seq * 13);
}

static void *writer_main(void *arg)
{
    writer *w = arg;
    uint64_t start = (uint64_t)w->id * w->cfg->chunk, shape = w->cfg->chunk;
    for (uint64_t seq = 1; zb_now_ns() < w->end_ns; seq++) {
        fill_chunk(w->buf, w->cfg->chunk, w->id, seq);
        uint64_t t0 = zb_now_ns();
        int rc = zc_array_write(w->arr, &start, &shape, w->buf);
        zb_hist_record(&w->lat, zb_now_ns() - t0);
        if (rc == 0) {
            w->ok++;
            w->acked_seq = seq;
        } else if (w->failed++ == 0) {
            snprintf(w->first_error, sizeof w->first_error, "%s", zc_errmsg());
        }
    }
    return NULL;
}

/* The count of 412 answers in the server's metrics (0 when it cannot be read). */
static uint64_t server_412s(zc_client *c)
{
    void *text = NULL;
    size_t len = 0;
    uint64_t total = 0;
    if (zc_get(c, "_zarrd/metrics", &text, &len) != 0) return 0;
    char *s = text, *end = s + len;
    while (s < end) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) nl = end;
        *nl = '\0';
        unsigned long long v;
        if (strncmp(s, "zarrd_requests_total{", 21) == 0 && strstr(s, "status=\"412\"") &&
            sscanf(strrchr(s, ' ') + 1, "%llu", &v) == 1)
            total += v;
        s = nl + 1;
    }
    zc_free(text);
    return total;
}

/* Writers whose last acknowledged write is not what the shard holds. */
static int count_lost(zc_array *arr, const writers_cfg *cfg, writer *ws, uint64_t *lost)
{
    uint64_t n = (uint64_t)cfg->clients * cfg->chunk, start = 0;
    uint8_t *got = malloc(n), *want = malloc(cfg->chunk);
    int rc = got && want ? zc_array_read(arr, &start, &n, NULL, got) : ZD_ENOMEM;
    *lost = 0;
    for (unsigned i = 0; rc == 0 && i < cfg->clients; i++) {
        if (ws[i].acked_seq == 0) continue;
        fill_chunk(want, cfg->chunk, i, ws[i].acked_seq);
        if (memcmp(got + (uint64_t)i * cfg->chunk, want, cfg->chunk) != 0) (*lost)++;
    }
    free(got);
    free(want);
    return rc;
}

/* Store every inner chunk of the shard once (the writers' too), so a read-modify-write carries
 * a shard of the size asked for, as a real array's shard is full of chunks. */
static int fill_shard(zc_array *arr, const writers_cfg *cfg)
{
    if (cfg->shard_chunks == cfg->clients) return 0; /* the writers fill it themselves */
    uint64_t n = cfg->shard_chunks * cfg->chunk, start = 0;
    uint8_t *all = malloc(n);
    if (!all) return ZD_ENOMEM;
    for (uint64_t i = 0; i < cfg->shard_chunks; i++)
        fill_chunk(all + i * cfg->chunk, cfg->chunk, (unsigned)i, 0);
    int rc = zc_array_write(arr, &start, &n, all);
    free(all);
    return rc;
}

static int run_mode(const writers_cfg *cfg, writers_mode mode, zc_client *admin, mode_result *res)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", cfg->prefix, mode_name[mode]);
    uint64_t shape = cfg->shard_chunks * cfg->chunk, chunk = cfg->chunk;
    zc_array_spec spec = {.ndim = 1,
                          .shape = &shape,
                          .chunks = &chunk,
                          .shards = &shape, /* one shard holds every writer's inner chunk */
                          .dtype = "uint8",
                          .codec = "none"};
    memset(res, 0, sizeof *res);
    zb_hist_init(&res->lat);
    zc_array *arr = NULL;
    int rc = zb_delete_prefix(admin, path);
    if (rc == 0) rc = zc_array_create(admin, path, &spec, &arr);
    if (rc == 0) rc = fill_shard(arr, cfg);
    if (rc) {
        fprintf(stderr, "zarrd-bench writers: creating %s: %s\n", path, zc_errmsg());
        return rc;
    }
    writer *ws = calloc(cfg->clients, sizeof *ws);
    zc_client **clients = calloc(cfg->clients, sizeof *clients);
    if (!ws || !clients) rc = ZD_ENOMEM;
    zc_options o;
    zc_options_init(&o);
    o.max_workers = 1;
    o.shard_write_mode = mode == MODE_SERVER ? ZC_SHARD_WRITE_SERVER : ZC_SHARD_WRITE_WHOLE;
    for (unsigned i = 0; rc == 0 && i < cfg->clients; i++) {
        ws[i] = (writer){.cfg = cfg, .id = i, .buf = malloc(cfg->chunk)};
        zb_hist_init(&ws[i].lat);
        rc = ws[i].buf ? zc_client_open(cfg->url, &o, &clients[i]) : ZD_ENOMEM;
        if (rc == 0) rc = zc_array_open(clients[i], path, &ws[i].arr);
    }
    uint64_t conflicts0 = server_412s(admin), t0 = zb_now_ns();
    unsigned started = 0;
    for (; rc == 0 && started < cfg->clients; started++) {
        ws[started].end_ns = t0 + (uint64_t)(cfg->duration_s * 1e9);
        if (pthread_create(&ws[started].tid, NULL, writer_main, &ws[started]) != 0) rc = ZD_ENOMEM;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].tid, NULL);
    res->elapsed_s = (double)(zb_now_ns() - t0) / 1e9;
    res->conflicts = server_412s(admin) - conflicts0;
    for (unsigned i = 0; i < started; i++) {
        res->ok += ws[i].ok;
        res->failed += ws[i].failed;
        zb_hist_merge(&res->lat, &ws[i].lat);
        if (!res->first_error[0] && ws[i].first_error[0])
            snprintf(res->first_error, sizeof res->first_error, "%s", ws[i].first_error);
    }
    if (rc == 0 && (rc = count_lost(arr, cfg, ws, &res->lost)) != 0)
        fprintf(stderr, "zarrd-bench writers: reading %s back: %s\n", path, zc_errmsg());
    for (unsigned i = 0; ws && clients && i < cfg->clients; i++) {
        zc_array_close(ws[i].arr);
        zc_client_close(clients[i]);
        free(ws[i].buf);
    }
    free(ws);
    free(clients);
    zc_array_close(arr);
    if (!cfg->keep) zb_delete_prefix_or_warn(admin, path, "writers");
    return rc;
}

static void print_result(const writers_cfg *cfg, writers_mode mode, const mode_result *r)
{
    printf("%-7s %8u %10llu %10.0f %9.3f %9.3f %9.3f %8llu %10llu %6llu\n", mode_name[mode],
           cfg->clients, (unsigned long long)r->ok, (double)r->ok / r->elapsed_s,
           (double)zb_hist_percentile(&r->lat, 50) / 1e6,
           (double)zb_hist_percentile(&r->lat, 99) / 1e6, (double)r->lat.max_ns / 1e6,
           (unsigned long long)r->failed, (unsigned long long)r->conflicts,
           (unsigned long long)r->lost);
    if (r->first_error[0]) printf("        first failure: %s\n", r->first_error);
}

static int parse_args(const char *url, int argc, char **argv, writers_cfg *cfg)
{
    static const struct option longopts[] = {
        {"clients", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'd'},
        {"chunk-size", required_argument, NULL, 's'},
        {"shard-chunks", required_argument, NULL, 'n'},
        {"mode", required_argument, NULL, 'm'},
        {"prefix", required_argument, NULL, 'p'},
        {"keep", no_argument, NULL, 'k'},
        {"allow-remote", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *cfg = (writers_cfg){.url = url,
                         .clients = 16,
                         .duration_s = 5,
                         .chunk = 4096,
                         .modes = 3,
                         .prefix = "bench/writers"};
    uint64_t u;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+c:d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (zb_parse_u64(optarg, 1, MAX_WRITERS, &u))
                return zb_bad_value("writers", usage, "--clients", optarg);
            cfg->clients = (unsigned)u;
            break;
        case 'd':
            if (zb_parse_double(optarg, 0.001, 3600, &cfg->duration_s))
                return zb_bad_value("writers", usage, "--duration", optarg);
            break;
        case 's':
            if (zb_parse_size(optarg, 16, 64ull << 20, &cfg->chunk))
                return zb_bad_value("writers", usage, "--chunk-size", optarg);
            break;
        case 'n':
            if (zb_parse_u64(optarg, 1, 65536, &cfg->shard_chunks))
                return zb_bad_value("writers", usage, "--shard-chunks", optarg);
            break;
        case 'm':
            if (strcmp(optarg, "server") == 0)
                cfg->modes = 1;
            else if (strcmp(optarg, "rmw") == 0)
                cfg->modes = 2;
            else if (strcmp(optarg, "both") == 0)
                cfg->modes = 3;
            else
                return zb_bad_value("writers", usage, "--mode", optarg);
            break;
        case 'p':
            if (!zb_prefix_ok(optarg, 128))
                return zb_bad_value("writers", usage, "--prefix", optarg);
            cfg->prefix = optarg;
            break;
        case 'k':
            cfg->keep = true;
            break;
        case 'A':
            cfg->allow_remote = true;
            break;
        default:
            return zb_help_or_usage(opt, usage);
        }
    }
    if (cfg->shard_chunks == 0) cfg->shard_chunks = cfg->clients;
    if (cfg->shard_chunks < cfg->clients || cfg->shard_chunks * cfg->chunk > (1ull << 30)) {
        fprintf(stderr,
                "zarrd-bench writers: --shard-chunks must be at least --clients (%u), "
                "and the shard at most 1 GiB\n%s",
                cfg->clients, usage);
        return -1;
    }
    return zb_args_finish("writers", usage, argc, argv, url, cfg->allow_remote);
}

int zb_writers_cmd(const char *url, int argc, char **argv)
{
    writers_cfg cfg;
    int rc = parse_args(url, argc, argv, &cfg);
    if (rc) return rc > 0 ? 0 : 2;
    zc_client *admin = NULL;
    if (zc_client_open(url, NULL, &admin) != 0) {
        fprintf(stderr, "zarrd-bench writers: %s: %s\n", url, zc_errmsg());
        return 1;
    }
    printf("zarrd-bench writers %s: %u clients, one inner chunk of %llu bytes each, one shard "
           "of %llu inner chunks, %.1f s per mode\n",
           url, cfg.clients, (unsigned long long)cfg.chunk, (unsigned long long)cfg.shard_chunks,
           cfg.duration_s);
    printf("%-7s %8s %10s %10s %9s %9s %9s %8s %10s %6s\n", "mode", "writers", "writes", "writes/s",
           "p50_ms", "p99_ms", "max_ms", "failed", "412s", "lost");
    mode_result res[2];
    int failed = 0;
    for (int m = 0; m < 2; m++) {
        if (!(cfg.modes & (1 << m))) continue;
        if (run_mode(&cfg, (writers_mode)m, admin, &res[m]) != 0) {
            failed = 1;
            cfg.modes &= ~(1 << m);
            continue;
        }
        print_result(&cfg, (writers_mode)m, &res[m]);
        if (res[m].lost || res[m].ok == 0) failed = 1;
    }
    if (cfg.modes == 3 && res[1].ok > 0)
        printf("server/rmw throughput: %.1fx\n",
               ((double)res[0].ok / res[0].elapsed_s) / ((double)res[1].ok / res[1].elapsed_s));
    zc_client_close(admin);
    return failed;
}
