/* metrics.h: request counters for /_zarrd/metrics (Prometheus text format 0.0.4).
 *
 * Each worker thread owns one mt_worker and is its only writer (relaxed atomic load+store, no
 * locked instructions on the hot path); the metrics endpoint sums all workers' blocks. */
#ifndef ZS_METRICS_H
#define ZS_METRICS_H

#include "zd_buf.h"

#include <stdatomic.h>
#include <stdint.h>

enum { MT_GET, MT_HEAD, MT_PUT, MT_PATCH, MT_DELETE, MT_POST, MT_OTHER, MT_METHODS };

#define MT_STATUS_MIN 100
#define MT_STATUSES   500 /* 100..599 */
#define MT_BUCKETS    17  /* latency histogram buckets including +Inf */

typedef struct mt_worker {
    _Atomic uint64_t requests[MT_METHODS][MT_STATUSES];
    _Atomic uint64_t latency_buckets[MT_BUCKETS]; /* non-cumulative counts */
    _Atomic uint64_t latency_sum_ns;
    _Atomic uint64_t latency_count;
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t bytes_out;
    _Atomic int64_t open_connections; /* any worker adds: the one that hands a connection over
                                         counts it for its new worker at once (worker.c) */
    _Atomic uint64_t connections_total;
    _Atomic uint64_t connections_refused;
    _Atomic uint64_t accept_pauses;
    _Atomic uint64_t connections_reclaimed;
    _Atomic uint64_t work_offloaded;
} mt_worker;

/* Process-wide event counters, bumped from any thread (rare events: one atomic add). */
typedef enum {
    MT_EV_ERR_IO,        /* storage I/O failures answered 500 */
    MT_EV_ERR_NOSPACE,   /* full disk / quota, answered 507 */
    MT_EV_ERR_NOMEM,     /* allocation failures, answered 503 */
    MT_EV_ERR_TIMEOUT,   /* requests cut off by --request-timeout (408) */
    MT_EV_ERR_MALFORMED, /* unparsable HTTP (400 and close) */
    MT_EV_ERR_TOO_LARGE, /* header section, target or body over a limit (431/414/413) */
    MT_EVENTS
} mt_event_kind;

void mt_event(mt_event_kind ev);

/* Count a storage error answer by its status: 500 io, 503 nomem, 507 nospace (others none). */
void mt_error_status(int status);

/* Method index of an llhttp method number. */
int mt_method_index(int llhttp_method);

/* Record one finished request (owner thread only). */
void mt_record(mt_worker *m, int method_index, int status, uint64_t latency_ns, uint64_t in,
               uint64_t out);

/* Add delta to a counter of the owner thread's block. */
static inline void mt_add(_Atomic uint64_t *c, uint64_t delta)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}

/* Append the Prometheus exposition of the sum of workers[0..n) to out. */
int mt_render(zd_buf *out, mt_worker *const *workers, int n);

#endif
