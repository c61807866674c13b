/* zc_request.h: one HTTP request with the client's retry policy and status mapping.
 *
 * Idempotent methods (GET, HEAD, PUT, DELETE) are retried up to cfg->retries times with
 * exponential backoff (50 ms doubling, capped at 2 s, with jitter) on connection failures,
 * timeouts and 502/503/504 answers. PATCH and POST are retried only when the request could not
 * be sent completely. A failure on a reused keep-alive socket is retried once at once for
 * every method when nothing reached the server. Nothing is retried once a GET's body has begun
 * to go to a sink (zc_conn.sink: those bytes cannot be taken back), once a body's source has
 * been read from (zc_conn.body_taken), nor after a failure on this side (zc_conn.local_failed: a
 * sink that stopped, a body file that shrank). Non-2xx answers become error codes whose message
 * names the request, the status and the server's JSON "error"/"detail". */
#ifndef ZC_REQUEST_H
#define ZC_REQUEST_H

#include "zc_conn.h"

/* Run `rq` on `c`; 0 for a 2xx answer (in rs), else a negative code (rs still holds the
 * answer when there was one, rs->status 0 otherwise). */
int zc_request_run(zc_conn *c, const zc_request *rq, zc_response *rs, zd_error *err);

/* zc_request_run of rq (its target unset) on a key, relative to the URL prefix, with an
 * optional query. */
int zc_key_run(zc_conn *c, const char *key, const char *query, zc_request *rq, zc_response *rs,
               zd_error *err);

/* zc_key_run for `method` with headers and a body from memory. */
int zc_key_request(zc_conn *c, const char *method, const char *key, const char *query,
                   const char *headers, const void *body, size_t len, zc_response *rs,
                   zd_error *err);

/* The error code for an HTTP status (0 for 2xx). */
int zc_status_code(int status);

/* The error for a non-2xx answer, with a message naming the request, the status and the
 * server's JSON "error"/"detail": "HTTP 404 on GET /a/b: not found (no such key)". */
int zc_status_error(const zc_request *rq, const zc_response *rs, zd_error *err);

/* Sleep before retry number `attempt` (0-based): 50 ms doubling, capped at 2 s, jittered. */
void zc_backoff(int attempt);

#endif
