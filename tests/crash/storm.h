/* storm.h: the write storm the crash tests share (crash_storm.c: kill -9; powercut.c: power
 * loss). Writer threads, one keep-alive connection each, own their keys and write every kind the
 * server has: plain PUT (chunked bodies too, empty to 2 MiB), raw PATCH (spooled past 1 MiB,
 * extending), multi-range PATCH, DELETE, and on shared shards inner-chunk PUT, inner-chunk
 * DELETE and atomic batches. Every key and inner chunk has one linear history, and the storm
 * remembers each version with the times it was sent and acknowledged (CLOCK_MONOTONIC), so a
 * check can say which states the key may be in after a crash at any moment:
 *   SV_LIVE      after kill -9: the last acknowledged version or the one in flight, exactly;
 *   SV_DURABLE   after a power cut at time t (--fsync always / batch): at least the last version
 *                acknowledged by t -- it or a later one sent by t;
 *   SV_ANY       after a power cut at time t (--fsync none): any version sent by t (or none,
 *                if the key was ever absent), but never a torn one.
 * Shards must also pass the checker with every inner chunk an intact payload. */
#ifndef STORM_H
#define STORM_H

#include "zt_server.h"

#include <stdbool.h>
#include <stdint.h>

#define STORM_MAX_WRITERS 16

typedef enum { SV_LIVE, SV_DURABLE, SV_ANY } sv_rule;

enum { K_PUT, K_PATCH, K_MPATCH, K_DELETE, K_CHUNK, K_UNCHUNK, K_BATCH, K_KINDS };
extern const char *const storm_kind_names[K_KINDS];

typedef struct storm storm;

typedef struct storm_opts {
    int writers;     /* 1..STORM_MAX_WRITERS */
    unsigned seed;   /* the same seed gives the same requests */
    size_t big_size; /* the occasional large PUT/PATCH body (past the 1 MiB spool), 0: none */
} storm_opts;

storm *storm_new(const storm_opts *o);
void storm_free(storm *st);

/* Start the writers against s (which must outlive storm_stop); stop them (set the flag, join).
 * A writer whose request gets no answer (the server died) stops with that request in flight. */
void storm_start(storm *st, const zt_server *s);
void storm_stop(storm *st);

/* Acknowledged writes since storm_start / per kind since storm_new. */
long storm_acked(const storm *st);
void storm_counts(const storm *st, long out[K_KINDS]);

/* A writer got an answer it should not have (a 4xx/5xx while the server lived): its text, or
 * NULL. Cleared by reading. */
const char *storm_take_failure(storm *st);

typedef struct storm_tally {
    long applied;    /* writes in flight found done */
    long dropped;    /* writes in flight found not done */
    long violations; /* lost, torn or impossible states, invalid shards (each printed) */
} storm_tally;

/* Check every key and inner chunk through the server s (started on root) under rule at time
 * t_ns (SV_LIVE ignores it), and run the checker on every shard file under root. With settle,
 * what was found becomes the new acknowledged state (the next life of the server starts from
 * it). Violations are printed with `label`. */
void storm_check(storm *st, const zt_server *s, const char *root, sv_rule rule, uint64_t t_ns,
                 bool settle, const char *label, storm_tally *t);

/* CLOCK_MONOTONIC in ns. */
uint64_t storm_now(void);

#endif
