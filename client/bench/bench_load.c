/* bench_load.c: the load generator's run: populate the key space, drive N worker threads
 * (each with its own zc_client, so its own keep-alive connection; or, with --loops, that many
 * event loops of bench_load_events.c) closed- or open-loop until the time or request bound,
 * show progress on a terminal, then delete what it wrote.
 *
 * Every value holds the same byte pattern (byte i = pattern(i)); PUTs write the whole pattern
 * and PATCHes write pattern[off, off+len) at off, so a value's content never changes and every
 * GET and range GET is verified against the pattern: a wrong byte counts as bad_data.
 *
 * shard and batch ops write into a 1-D uint8 sharded array under PREFIX/shards whose inner
 * chunks are --value-size bytes, ZB_LOAD_SHARD_CHUNKS per shard: shard writes one inner chunk
 * (the client sends it to the server's shard endpoint), batch ZB_LOAD_BATCH_CHUNKS adjacent
 * inner chunks of one shard (sent as one batch). Every inner chunk written holds the value
 * pattern, so after the run each inner chunk must read back as either never written (fill)
 * or the pattern: anything else is an update lost or mangled by concurrent shard writers. */
#include "bench_load_impl.h"

#include "bench_clock.h"
#include "bench_keys.h"
#include "zd_error.h"

#include <zarrd/client.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { PHASE_POPULATE, PHASE_RUN, PHASE_CLEANUP } load_phase;

/* A thread of a phase: one connection of the thread engine, or one event loop (--loops). */
typedef struct load_worker {
    zb_load_shared *sh;
    unsigned idx;
    load_phase phase;
    zc_client *client;
    zc_array *arr; /* this worker's handle on the sharded array, if any */
    pthread_t tid;
    uint64_t rng;
    int rc;        /* populate/cleanup, or an event loop that could not start: first error */
    char key[256]; /* scratch for key names */
    zb_load_tally tally;
} load_worker;

/* Set by SIGINT/SIGTERM during the run phase: workers stop after their current request and
 * the run is reported and cleaned up as if its time had ended. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Byte i of every value (the event engine reads the pattern made from it, sh->pattern). */
static uint8_t pattern_byte(uint64_t i)
{
    return (uint8_t)(i * 131u + (i >> 8) * 7u + 17u);
}

bool zb_load_interrupted(void)
{
    return interrupted != 0;
}

bool zb_load_claim(zb_load_shared *sh)
{
    return !sh->cfg->max_requests ||
           atomic_fetch_add_explicit(&sh->claimed, 1, memory_order_relaxed) < sh->cfg->max_requests;
}

uint64_t zb_load_seed(const zb_load_cfg *cfg, unsigned i)
{
    uint64_t s = (cfg->seed + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
    return s ? s : 1;
}

zb_load_pick zb_load_pick_next(const zb_load_cfg *cfg, uint64_t *rng)
{
    zb_load_pick p = {.op = zb_mix_pick(&cfg->mix, zb_rng_next(rng))};
    p.key = zb_rng_next(rng) % cfg->keys;
    uint64_t span = cfg->value_size - cfg->range_size;
    p.off = span ? zb_rng_next(rng) % (span + 1) : 0;
    return p;
}

void zb_load_tally_init(zb_load_tally *t)
{
    memset(t, 0, sizeof(*t));
    zb_hist_init(&t->all);
    zb_hist_init(&t->late);
    for (int op = 0; op < ZB_OP_COUNT; op++)
        zb_hist_init(&t->per_op[op]);
}

void zb_load_record(zb_load_shared *sh, zb_load_tally *t, zb_op op, int out, uint64_t t0,
                    uint64_t t1, const char *why)
{
    uint64_t lat = t1 > t0 ? t1 - t0 : 0;
    zb_hist_record(&t->all, lat);
    zb_hist_record(&t->per_op[op], lat);
    t->ops[op]++;
    if (out != ZB_OUT_OK && t->outcomes[out] == 0)
        snprintf(t->first_error[out], sizeof(t->first_error[out]), "%s %s", zb_op_name(op), why);
    t->outcomes[out]++;
    uint64_t sec = (t1 - sh->start_ns) / 1000000000ull;
    if (sec < sh->seconds) atomic_fetch_add_explicit(&sh->per_second[sec], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->done, 1, memory_order_relaxed);
    if (out != ZB_OUT_OK) atomic_fetch_add_explicit(&sh->failed, 1, memory_order_relaxed);
}

static const char *key_name(load_worker *w, uint64_t k)
{
    snprintf(w->key, sizeof(w->key), "%s/k%llu", w->sh->cfg->prefix, (unsigned long long)k);
    return w->key;
}

/* The outcome class of the call that just returned rc on this thread. */
static int outcome_of(int rc)
{
    return zb_load_outcome_of(rc, zc_last_status());
}

/* One operation; returns its outcome class. */
static int run_op(load_worker *w, zb_load_pick pick)
{
    const zb_load_cfg *cfg = w->sh->cfg;
    const uint8_t *pat = w->sh->pattern;
    const char *key = key_name(w, pick.key);
    uint64_t off = pick.off;
    zb_load_tally *t = &w->tally;
    void *data = NULL;
    size_t len = 0;
    int rc, out;
    switch (pick.op) {
    case ZB_OP_GET:
        rc = zc_get(w->client, key, &data, &len);
        out = outcome_of(rc);
        if (!rc && (len != cfg->value_size || memcmp(data, pat, len) != 0)) out = ZB_OUT_BAD_DATA;
        t->bytes_in += len;
        zc_free(data);
        return out;
    case ZB_OP_RANGE:
        rc = zc_get_range(w->client, key, off, cfg->range_size, &data, &len);
        out = outcome_of(rc);
        if (!rc && (len != cfg->range_size || memcmp(data, pat + off, len) != 0))
            out = ZB_OUT_BAD_DATA;
        t->bytes_in += len;
        zc_free(data);
        return out;
    case ZB_OP_PUT:
        rc = zc_put(w->client, key, pat, cfg->value_size);
        if (!rc) t->bytes_out += cfg->value_size;
        return outcome_of(rc);
    case ZB_OP_PATCH:
        rc = zc_patch(w->client, key, off, pat + off, cfg->range_size);
        if (!rc) t->bytes_out += cfg->range_size;
        return outcome_of(rc);
    case ZB_OP_SHARD:
    case ZB_OP_BATCH: {
        uint64_t n = pick.op == ZB_OP_SHARD ? 1 : ZB_LOAD_BATCH_CHUNKS;
        uint64_t shard = zb_rng_next(&w->rng) % w->sh->shards;
        uint64_t first = zb_rng_next(&w->rng) % (ZB_LOAD_SHARD_CHUNKS - n + 1);
        uint64_t start = (shard * ZB_LOAD_SHARD_CHUNKS + first) * cfg->value_size;
        uint64_t shape = n * cfg->value_size;
        rc = zc_array_write(w->arr, &start, &shape, pat);
        if (!rc) t->bytes_out += shape;
        return outcome_of(rc);
    }
    default:
        return ZB_OUT_OTHER;
    }
}

static void run_loop(load_worker *w)
{
    zb_load_shared *sh = w->sh;
    uint64_t interval = zb_load_interval(sh->cfg);
    uint64_t next = zb_load_first_send(sh, w->idx), free_at = sh->start_ns;
    for (;;) {
        if (interrupted || !zb_load_claim(sh)) break;
        uint64_t now = zb_now_ns(), t0;
        if (now >= sh->end_ns) {
            w->tally.missed += zb_load_missed(sh, next, interval);
            break;
        }
        if (interval) {
            if (next >= sh->end_ns) break;
            while (now < next && !interrupted) { /* in slices, so an interrupt is seen */
                zb_sleep_until(next - now > 100000000ull ? now + 100000000ull : next);
                now = zb_now_ns();
            }
            if (interrupted) break;
            t0 = next; /* latency counts from the scheduled time */
            next += interval;
            zb_load_note_send(&w->tally, t0, free_at, now);
        } else {
            t0 = now;
        }
        zb_load_pick pick = zb_load_pick_next(sh->cfg, &w->rng);
        int out = run_op(w, pick);
        free_at = zb_now_ns();
        zb_load_record(sh, &w->tally, pick.op, out, t0, free_at,
                       out == ZB_OUT_BAD_DATA ? "returned wrong data" : zc_errmsg());
    }
}

static void populate(load_worker *w)
{
    const zb_load_cfg *cfg = w->sh->cfg;
    for (uint64_t k = w->idx; k < cfg->keys && !w->rc; k += cfg->connections) {
        int rc = zc_put(w->client, key_name(w, k), w->sh->pattern, cfg->value_size);
        if (rc) {
            fprintf(stderr, "zarrd-bench load: PUT %s: %s\n", w->key, zc_errmsg());
            w->rc = rc;
        }
    }
}

static void cleanup(load_worker *w)
{
    const zb_load_cfg *cfg = w->sh->cfg;
    for (uint64_t k = w->idx; k < cfg->keys; k += cfg->connections) {
        int rc = zc_delete(w->client, key_name(w, k));
        if (rc && !w->rc) w->rc = rc;
    }
}

static void *worker_main(void *arg)
{
    load_worker *w = arg;
    switch (w->phase) {
    case PHASE_POPULATE:
        populate(w);
        break;
    case PHASE_RUN:
        if (w->sh->cfg->loops)
            w->rc = zb_load_events_run(w->sh, w->idx, w->sh->cfg->loops, &w->tally);
        else
            run_loop(w);
        break;
    case PHASE_CLEANUP:
        cleanup(w);
        break;
    }
    return NULL;
}

/* Run `phase` on every worker; with show_progress, print a live line until they finish. */
static int run_phase(load_worker *ws, unsigned n, load_phase phase, bool show_progress)
{
    unsigned started = 0;
    int rc = 0;
    for (; started < n; started++) {
        ws[started].phase = phase;
        ws[started].rc = 0;
        if (pthread_create(&ws[started].tid, NULL, worker_main, &ws[started]) != 0) {
            rc = ZD_ENOMEM;
            break;
        }
    }
    if (show_progress && started == n) {
        zb_load_shared *sh = ws[0].sh;
        uint64_t last_done = 0, last_t = sh->start_ns;
        for (;;) {
            uint64_t now = zb_now_ns();
            uint64_t wake = now + 250000000ull;
            bool finished =
                interrupted || now >= sh->end_ns ||
                (sh->cfg->max_requests && atomic_load(&sh->done) >= sh->cfg->max_requests);
            if (finished) break;
            zb_sleep_until(wake < sh->end_ns ? wake : sh->end_ns);
            now = zb_now_ns();
            uint64_t done = atomic_load(&sh->done);
            double rate = (double)(done - last_done) * 1e9 / (double)(now - last_t + 1);
            printf("\r  %6.1f s  %10llu requests  %10.0f req/s  %llu errors   ",
                   (double)(now - sh->start_ns) / 1e9, (unsigned long long)done, rate,
                   (unsigned long long)atomic_load(&sh->failed));
            fflush(stdout);
            last_done = done;
            last_t = now;
        }
        printf("\r%72s\r", "");
        fflush(stdout);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(ws[i].tid, NULL);
        if (!rc && ws[i].rc) rc = ws[i].rc;
    }
    return rc;
}

/* Merge the tallies of the first n workers (those that ran) into res. */
static void collect(const zb_load_shared *sh, load_worker *ws, unsigned n, zb_load_result *res)
{
    for (unsigned i = 0; i < n; i++) {
        const zb_load_tally *t = &ws[i].tally;
        zb_hist_merge(&res->all, &t->all);
        for (int op = 0; op < ZB_OP_COUNT; op++) {
            zb_hist_merge(&res->per_op[op], &t->per_op[op]);
            res->ops[op] += t->ops[op];
        }
        for (int o = 0; o < ZB_OUT_COUNT; o++) {
            res->outcomes[o] += t->outcomes[o];
            if (!res->first_error[o][0])
                memcpy(res->first_error[o], t->first_error[o], sizeof(res->first_error[o]));
        }
        zb_hist_merge(&res->late, &t->late);
        res->missed += t->missed;
        res->bytes_in += t->bytes_in;
        res->bytes_out += t->bytes_out;
    }
    res->requests = res->all.total;
    for (uint32_t s = 0; s < sh->seconds; s++)
        res->per_second[s] = atomic_load(&sh->per_second[s]);
}

static int open_workers(const zb_load_cfg *cfg, zb_load_shared *sh, load_worker *ws)
{
    zc_options opts;
    zc_options_init(&opts);
    opts.max_workers = 1; /* raw ops run on the calling thread; keep the pool minimal */
    opts.retries = -1;    /* a load test reports failures instead of hiding them */
    for (unsigned i = 0; i < cfg->connections; i++) {
        ws[i].sh = sh;
        ws[i].idx = i;
        ws[i].rng = zb_load_seed(cfg, i);
        zb_load_tally_init(&ws[i].tally);
        int rc = zc_client_open(cfg->url, &opts, &ws[i].client);
        if (rc) {
            fprintf(stderr, "zarrd-bench load: cannot open client for %s: %s\n", cfg->url,
                    zc_errmsg());
            return rc;
        }
    }
    return 0;
}

/* Read the sharded array back, one shard (or, for huge shards, one inner chunk) at a time,
 * and classify every inner chunk as unwritten (all fill), the pattern, or wrong. A read that
 * fails is recorded in res->shard_error. 0 or ZD_ENOMEM. */
static int check_shards(load_worker *w, zb_load_result *res)
{
    const zb_load_shared *sh = w->sh;
    uint64_t vs = sh->cfg->value_size, per_read = ZB_LOAD_SHARD_CHUNKS;
    if (vs * ZB_LOAD_SHARD_CHUNKS > ((uint64_t)64 << 20)) per_read = 1;
    uint8_t *buf = malloc(vs * per_read);
    if (!buf) return ZD_ENOMEM;
    uint64_t total = sh->shards * ZB_LOAD_SHARD_CHUNKS;
    for (uint64_t first = 0; first < total; first += per_read) {
        uint64_t start = first * vs, shape = per_read * vs;
        if (zc_array_read(w->arr, &start, &shape, NULL, buf) != 0) {
            snprintf(res->shard_error, sizeof(res->shard_error), "reading back: %s", zc_errmsg());
            break;
        }
        for (uint64_t k = 0; k < per_read; k++) {
            const uint8_t *chunk = buf + k * vs;
            res->shard_chunks++;
            if (memcmp(chunk, sh->pattern, vs) == 0) {
                res->shard_written++;
                continue;
            }
            uint64_t i = 0;
            while (i < vs && chunk[i] == 0)
                i++;
            if (i < vs) res->shard_wrong++;
        }
    }
    free(buf);
    return 0;
}

static bool uses_shards(const zb_load_cfg *cfg)
{
    return cfg->mix.weight[ZB_OP_SHARD] || cfg->mix.weight[ZB_OP_BATCH];
}

/* Create the sharded array of shard/batch ops (main thread) and open it in every worker. */
static int open_shard_array(const zb_load_cfg *cfg, zb_load_shared *sh, load_worker *ws)
{
    snprintf(sh->shard_path, sizeof(sh->shard_path), "%s/shards", cfg->prefix);
    sh->shards = cfg->keys / ZB_LOAD_SHARD_CHUNKS ? cfg->keys / ZB_LOAD_SHARD_CHUNKS : 1;
    uint64_t chunk = cfg->value_size, shard = chunk * ZB_LOAD_SHARD_CHUNKS;
    uint64_t shape = shard * sh->shards;
    zc_array_spec spec = {.ndim = 1,
                          .shape = &shape,
                          .chunks = &chunk,
                          .shards = &shard,
                          .dtype = "uint8",
                          .codec = "none"};
    zc_array *arr = NULL;
    int rc = zc_array_create(ws[0].client, sh->shard_path, &spec, &arr);
    zc_array_close(arr);
    for (unsigned i = 0; !rc && i < cfg->connections; i++)
        rc = zc_array_open(ws[i].client, sh->shard_path, &ws[i].arr);
    if (rc)
        fprintf(stderr, "zarrd-bench load: sharded array %s: %s\n", sh->shard_path, zc_errmsg());
    return rc;
}

int zb_load_run(const zb_load_cfg *cfg, zb_load_result *res)
{
    memset(res, 0, sizeof(*res));
    zb_hist_init(&res->all);
    zb_hist_init(&res->late);
    for (int op = 0; op < ZB_OP_COUNT; op++)
        zb_hist_init(&res->per_op[op]);
    zb_load_shared sh = {.cfg = cfg};
    unsigned runners = cfg->loops ? cfg->loops : cfg->connections; /* threads of the run */
    sh.seconds = (uint32_t)cfg->duration_s + 2;
    /* batches send ZB_LOAD_BATCH_CHUNKS copies of the value: at most 8 x 64 MiB, no overflow */
    uint64_t pattern_len = cfg->value_size * (uses_shards(cfg) ? ZB_LOAD_BATCH_CHUNKS : 1);
    uint8_t *pattern = malloc(pattern_len);
    load_worker *ws = calloc(cfg->connections, sizeof(*ws));
    sh.per_second = calloc(sh.seconds, sizeof(*sh.per_second));
    res->per_second = calloc(sh.seconds, sizeof(*res->per_second));
    int rc = ZD_ENOMEM;
    if (!pattern || !ws || !sh.per_second || !res->per_second) goto out;
    res->seconds = sh.seconds;
    for (uint64_t i = 0; i < pattern_len; i++)
        pattern[i] = pattern_byte(i % cfg->value_size);
    sh.pattern = pattern;
    rc = open_workers(cfg, &sh, ws);
    if (!rc && uses_shards(cfg)) rc = open_shard_array(cfg, &sh, ws);
    if (rc) goto out;
    rc = run_phase(ws, cfg->connections, PHASE_POPULATE, false);
    if (rc) {
        fprintf(stderr, "zarrd-bench load: populating %llu keys under %s failed: %s\n",
                (unsigned long long)cfg->keys, cfg->prefix, zc_strerror(rc));
        goto out;
    }
    sh.start_ns = zb_now_ns();
    sh.end_ns = sh.start_ns + (uint64_t)(cfg->duration_s * 1e9);
    struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = run_phase(ws, runners, PHASE_RUN, isatty(STDOUT_FILENO));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    res->interrupted = interrupted != 0;
    res->elapsed_s = (double)(zb_now_ns() - sh.start_ns) / 1e9;
    if (rc) goto out;
    collect(&sh, ws, runners, res);
    if (sh.shard_path[0]) rc = check_shards(&ws[0], res);
    if (rc) goto out;
    if (!cfg->keep && run_phase(ws, cfg->connections, PHASE_CLEANUP, false) != 0)
        fprintf(stderr, "zarrd-bench load: warning: could not delete every key under %s\n",
                cfg->prefix);
    if (!cfg->keep && sh.shard_path[0])
        zb_delete_prefix_or_warn(ws[0].client, sh.shard_path, "load");
out:
    if (ws)
        for (unsigned i = 0; i < cfg->connections; i++) {
            zc_array_close(ws[i].arr);
            zc_client_close(ws[i].client);
        }
    free(ws);
    free(sh.per_second);
    free(pattern);
    return rc;
}

void zb_load_result_free(zb_load_result *res)
{
    free(res->per_second);
    res->per_second = NULL;
}
