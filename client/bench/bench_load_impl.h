/* bench_load_impl.h: what the load generator's two engines share (bench_load.c, a thread per
 * connection through the public client; bench_load_events.c, event loops that drive many
 * connections each): the run's shared state, a thread's tally of results, the open loop's
 * schedule and the random choices of an operation. Private to zarrd-bench. */
#ifndef BENCH_LOAD_IMPL_H
#define BENCH_LOAD_IMPL_H

#include "bench_load.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct zb_load_shared {
    const zb_load_cfg *cfg;
    const uint8_t *pattern; /* pattern_len bytes: a value, or a batch of inner chunks */
    char shard_path[256];   /* the sharded array of shard/batch ops, or "" */
    uint64_t shards;        /* its number of shards */
    uint64_t start_ns, end_ns;
    atomic_uint_fast64_t claimed; /* requests handed out (for --requests) */
    atomic_uint_fast64_t done;
    atomic_uint_fast64_t failed;
    atomic_uint_fast64_t *per_second;
    uint32_t seconds;
} zb_load_shared;

/* One thread's results, merged into the run's after it. */
typedef struct zb_load_tally {
    zb_hist all;
    zb_hist per_op[ZB_OP_COUNT];
    uint64_t ops[ZB_OP_COUNT];
    uint64_t outcomes[ZB_OUT_COUNT];
    char first_error[ZB_OUT_COUNT][ZB_LOAD_ERRMSG];
    zb_hist late; /* see zb_load_result */
    uint64_t missed, bytes_in, bytes_out;
} zb_load_tally;

/* One operation on a value: which, on which key, and at which offset (range and patch). */
typedef struct zb_load_pick {
    zb_op op;
    uint64_t key;
    uint64_t off;
} zb_load_pick;

/* xorshift64*: fast, good enough to pick ops and keys. The state must not be 0. */
static inline uint64_t zb_rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

/* Open loop: the time between two sends of one connection (the rate is spread evenly over
 * the connections); 0 in a closed loop. */
static inline uint64_t zb_load_interval(const zb_load_cfg *cfg)
{
    if (cfg->rate <= 0) return 0;
    uint64_t interval = (uint64_t)((double)cfg->connections * 1e9 / cfg->rate);
    return interval ? interval : 1;
}

/* Open loop: when connection i sends first; the connections' phases are spread over one
 * interval, so the sends of all of them come at an even rate. */
static inline uint64_t zb_load_first_send(const zb_load_shared *sh, unsigned i)
{
    return sh->start_ns + zb_load_interval(sh->cfg) * i / sh->cfg->connections;
}

/* Open loop: sends of a connection whose next one was due at `next` that the run's end cut
 * off (0 in a closed loop). */
static inline uint64_t zb_load_missed(const zb_load_shared *sh, uint64_t next, uint64_t interval)
{
    if (!interval || next >= sh->end_ns) return 0;
    return (sh->end_ns - next + interval - 1) / interval;
}

/* The seed of thread (or connection) i's random numbers: never 0. */
uint64_t zb_load_seed(const zb_load_cfg *cfg, unsigned i);

/* The next operation of the mix with its key and offset. */
zb_load_pick zb_load_pick_next(const zb_load_cfg *cfg, uint64_t *rng);

/* True once SIGINT or SIGTERM asked the run to stop. */
bool zb_load_interrupted(void);

/* Take a request: false when --requests are all handed out. */
bool zb_load_claim(zb_load_shared *sh);

void zb_load_tally_init(zb_load_tally *t);

/* Open loop: a request due at t0 was sent at `sent` on a connection free since free_at; the
 * delay is the generator's own only if the connection was free in time. */
static inline void zb_load_note_send(zb_load_tally *t, uint64_t t0, uint64_t free_at, uint64_t sent)
{
    if (free_at <= t0) zb_hist_record(&t->late, sent > t0 ? sent - t0 : 0);
}

/* Count one finished request with outcome `out`, scheduled or sent at t0 and done at t1; why
 * is the reason kept for the first failure of its class. */
void zb_load_record(zb_load_shared *sh, zb_load_tally *t, zb_op op, int out, uint64_t t0,
                    uint64_t t1, const char *why);

/* The event engine (bench_load_events.c): this thread's event loop drives connections
 * first, first + step, ... of cfg->connections until the run's end, into *t. 0, or a ZD_*
 * code with a message on stderr when it could not start. */
int zb_load_events_run(zb_load_shared *sh, unsigned first, unsigned step, zb_load_tally *t);

#endif
