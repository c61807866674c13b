/* bench_load.h: `zarrd-bench URL load`, the load generator.
 *
 * N threads, each with its own client handle (one keep-alive connection), run a weighted mix
 * of operations on a pre-populated key space for a bounded time and/or request count; or, with
 * --loops L, L threads each drive their share of the N connections from one event loop, so
 * that on a small machine the generator's own scheduling does not add to the latency.
 * Closed loop by default (each thread sends its next request when the previous one is done;
 * latency = send to completion). With a rate (open loop), requests are scheduled at fixed
 * intervals and latency is measured from the scheduled time, so a stalled server shows up as
 * latency instead of silently lowering the request rate (coordinated omission). */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include "bench_hist.h"
#include "bench_mix.h"

#include <stdbool.h>
#include <stdint.h>

#define ZB_LOAD_MAX_CONNECTIONS 256
#define ZB_LOAD_MAX_SECONDS     3600
#define ZB_LOAD_MAX_REQUESTS    1000000000ull
#define ZB_LOAD_MAX_KEYS        1000000ull
#define ZB_LOAD_MAX_VALUE       (64ull << 20)
#define ZB_LOAD_MAX_DATASET     (4ull << 30) /* keys * value size */
#define ZB_LOAD_SHARD_CHUNKS    64           /* inner chunks per shard for shard/batch ops */
#define ZB_LOAD_BATCH_CHUNKS    8            /* inner chunks written by one batch op */
#define ZB_LOAD_ERRMSG          200          /* bytes kept of an outcome's first error message */

typedef struct zb_load_cfg {
    const char *url;
    unsigned connections;
    double duration_s;     /* bound on run time (always set) */
    uint64_t max_requests; /* 0 = bounded by time only */
    zb_mix mix;
    uint64_t value_size;
    uint64_t range_size; /* bytes read by range GETs and written by PATCHes */
    uint64_t keys;
    double rate;    /* total requests per second; 0 = closed loop */
    unsigned loops; /* event loops that drive the connections (bench_load_events.c); 0 = a
                       thread per connection through the public client */
    const char *prefix;
    const char *json_path;
    const char *plot_path;
    bool allow_remote;
    bool keep; /* leave the keys on the server afterwards */
    uint64_t seed;
} zb_load_cfg;

/* Outcome classes: 0 = ok, the failures without an HTTP error status, then one class per
 * exact HTTP status 400-599 (ZB_OUT_HTTP(status)); see zb_load_outcome_name. */
enum {
    ZB_OUT_OK,
    ZB_OUT_CONNECT,
    ZB_OUT_TIMEOUT,
    ZB_OUT_IO,
    ZB_OUT_BAD_DATA,   /* a 2xx whose body had the wrong size or content */
    ZB_OUT_HTTP_OTHER, /* an unexpected status outside 2xx and 400-599 */
    ZB_OUT_OTHER,
    ZB_OUT_STATUS_FIRST, /* HTTP 400 */
    ZB_OUT_COUNT = ZB_OUT_STATUS_FIRST + 200
};
#define ZB_OUT_HTTP(status) (ZB_OUT_STATUS_FIRST + (status)-400)

typedef struct zb_load_result {
    zb_hist all;
    zb_hist per_op[ZB_OP_COUNT];
    uint64_t ops[ZB_OP_COUNT];
    uint64_t outcomes[ZB_OUT_COUNT];
    char first_error[ZB_OUT_COUNT][ZB_LOAD_ERRMSG]; /* the first failure of each class */
    uint64_t requests;                              /* completed, ok or not */
    uint64_t missed; /* open loop: scheduled before the end but never sent */
    zb_hist late;    /* open loop: how long after its time the generator sent a request whose
                        connection was free by then (the generator's own lateness) */
    uint64_t bytes_in, bytes_out;
    double elapsed_s;
    bool interrupted;                 /* stopped early by SIGINT / SIGTERM */
    uint64_t shard_chunks;            /* shard/batch ops: inner chunks read back after the run */
    uint64_t shard_written;           /* ... that hold the pattern */
    uint64_t shard_wrong;             /* ... that hold neither the pattern nor the fill value */
    char shard_error[ZB_LOAD_ERRMSG]; /* why reading back failed, or "" */
    uint64_t *per_second;             /* completions in each second of the run */
    uint32_t seconds;
} zb_load_result;

/* Parse the arguments after `load` (argv[0] is "load") into cfg. 0; 1 if --help was printed;
 * or ZD_EINVAL with a message on stderr. */
int zb_load_parse_args(const char *url, int argc, char **argv, zb_load_cfg *cfg);

/* True if the event engine (--loops) can run cfg's mix: get, range, put and patch only. */
bool zb_load_events_can_run(const zb_load_cfg *cfg);

/* Populate the keys, run the load, clean up; fill *res (free with zb_load_result_free). */
int zb_load_run(const zb_load_cfg *cfg, zb_load_result *res);
void zb_load_result_free(zb_load_result *res);

/* Human-readable name of an outcome class ("ok", "404", "503", "connect"...). */
const char *zb_load_outcome_name(int outcome);

/* The outcome class of a call that returned rc after a last response with HTTP status
 * (zc_last_status(); 0: none): an error status counts as itself, else rc says what failed. */
int zb_load_outcome_of(int rc, int status);

/* The whole command: parse, run, print the table, write --json / --plot. Exit status. */
int zb_load_cmd(const char *url, int argc, char **argv);

#endif
