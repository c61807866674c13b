/* handlers.h: the request handlers, one file per verb family, picked by the router (router.c).
 *
 * begin() runs when the header section is complete: it validates, checks preconditions that
 * can be checked before the body, and either builds an answer (rs_*) or routes the body
 * (cn_body_to_*). When the whole message has arrived, work() does what may block (a store
 * commit, a shard change) and leaves its outcome in c->req.work_rc / work_res / work_state;
 * then finish() builds the answer from it on the loop. work() runs on an I/O thread when the
 * request is marked c->req.offload (io_pool.h; hd_offload decides), else on the loop right
 * before finish(); it must not build a response, touch the socket or the worker. */
#ifndef ZS_HANDLERS_H
#define ZS_HANDLERS_H

#include "conn.h"
#include "store.h"

typedef struct hd_handler {
    void (*begin)(cn_conn *c);
    void (*work)(cn_conn *c); /* may be NULL */
    void (*finish)(cn_conn *c);
} hd_handler;

extern const hd_handler hd_get;     /* GET/HEAD /key (hd_get.c) */
extern const hd_handler hd_put;     /* PUT /key (hd_put.c) */
extern const hd_handler hd_patch;   /* PATCH /key (hd_patch.c) */
extern const hd_handler hd_delete;  /* DELETE /key (hd_delete.c) */
extern const hd_handler hd_list;    /* GET/HEAD /prefix/ (hd_list.c) */
extern const hd_handler hd_service; /* /_zarrd/health, /_zarrd/metrics (hd_service.c) */
extern const hd_handler hd_shard;   /* ?chunk= and ?batch requests (route_shard.c) */

/* Shared helpers (hd_common.c). */

/* The worker's store. */
st_store *hd_store(cn_conn *c);

/* Mark the request's work step for an I/O thread when the store keeps files and its changes
 * block (--fsync batch|always) or this one is heavy anyway (a body over HD_LOOP_BODY_MAX, a
 * whole-value copy). The memory store's work never blocks: always on the loop. A malformed
 * If-Match / If-None-Match is answered here (400), so no work step has that answer to build. */
void hd_offload(cn_conn *c, bool heavy);

/* Under --fsync none, a write whose body is at most this commits on the loop (measured faster
 * than the hop to an I/O thread, tests/bench/RESULTS-http.md); a larger one on an I/O thread
 * (writing a large body into the page cache can be throttled for writeback). */
#define HD_LOOP_BODY_MAX (64u << 10)

/* Evaluate If-Match / If-Unmodified-Since / If-None-Match / If-Modified-Since against the
 * current value (NULL: absent) in RFC 9110 13.2.2's order: returns 0 (proceed), 304 (GET/HEAD
 * not modified), 412, or 400 (malformed entity-tag list; an error response is then already
 * built). */
int hd_cond_eval(cn_conn *c, const st_stat *cur);

/* Whether the request has a precondition a write must check (If-Match, If-None-Match,
 * If-Unmodified-Since). */
bool hd_cond_present(cn_conn *c);

/* A value's Last-Modified: its mtime in whole seconds since the epoch. */
uint64_t hd_last_modified(const st_stat *st);

/* The precondition to hand the store: *pc bound to this request (check() runs hd_cond_eval and
 * records the status in req.cond_status), or NULL when the request has no conditional
 * header. */
const st_precond *hd_precond(cn_conn *c, st_precond *pc);

/* Answer a precondition outcome (304 with the validators, or 412). */
void hd_cond_answer(cn_conn *c, int status, const st_stat *cur);

/* Answer a store error code with the matching status (404, 400, 409, 412, 416, 413, 500...). */
void hd_store_error(cn_conn *c, int rc, const char *what);

/* Add the validators of st: ETag, and Last-Modified when the store keeps an mtime. */
void hd_validators(cn_conn *c, const st_stat *st);

#endif
