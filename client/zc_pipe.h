/* zc_pipe.h: HTTP/1.1 pipelining on one keep-alive connection (RFC 9112 section 9.3.2). A run
 * of n requests is sent without waiting for each answer, up to ZC_PIPE_WINDOW unanswered at
 * once, and the answers, which come back in order, are handed to the caller one by one as they
 * arrive: n small requests cost about one round trip per window instead of n, and the caller
 * decodes answer k while the server works on k+1.
 *
 * The caller describes request k when the pipe asks (prepare); heads, and bodies up to
 * ZC_PIPE_COPY_MAX, are copied, and several requests go out in one sendmsg. A larger body is
 * sent from the caller's memory, which must stay unchanged until the next prepare call.
 *
 * Only GET, HEAD, PUT and DELETE are pipelined: RFC 9112 says a client must not pipeline after
 * a non-idempotent method, and only idempotent requests may be sent again when a connection
 * fails. An item that needs anything else (a POST, or several requests that depend on each
 * other) answers ZC_PIPE_ALONE: the pipe lets the answers in flight arrive, then calls
 * alone(k), which does that item's requests one by one on the same connection.
 *
 * Failures: when the connection fails, or closes with requests unanswered (a server or proxy
 * limiting requests per connection), or an answer is 502/503/504, the pipe reconnects and sends
 * the unanswered requests again, with the client's retry budget and backoff spent only on
 * attempts that got no answer at all (zc_request.c's policy for one request). Every other
 * answer, error statuses included, goes to done(k). A failure returned by prepare, done or
 * alone ends the run and closes the connection, so an answer still in flight is never taken
 * for a later request's. */
#ifndef ZC_PIPE_H
#define ZC_PIPE_H

#include "zc_conn.h"

#define ZC_PIPE_WINDOW   16          /* unanswered requests at most */
#define ZC_PIPE_COPY_MAX (16 * 1024) /* bodies up to this are copied beside their head */
#define ZC_PIPE_ALONE    1           /* prepare's answer: run this item with alone() */

/* One request: a key relative to the client's URL prefix. */
typedef struct zc_pipe_rq {
    const char *method;  /* "GET", "HEAD", "PUT" or "DELETE", a string constant */
    const char *key;     /* copied at once */
    const char *query;   /* or NULL; copied at once */
    const char *headers; /* extra header lines each ending in CRLF, or NULL; copied at once */
    const void *body;
    size_t body_len;
} zc_pipe_rq;

typedef struct zc_pipe_ops {
    /* Describe request k in *rq: 0, ZC_PIPE_ALONE, or a negative code with err set. */
    int (*prepare)(void *arg, size_t k, zc_pipe_rq *rq, zd_error *err);
    /* The answer to request k (rq: its method and target, for messages), whatever its status;
     * 0 or a negative code with err set. May take over rs->body. */
    int (*done)(void *arg, size_t k, const zc_request *rq, zc_response *rs, zd_error *err);
    /* Do item k on its own (the connection is idle): 0 or a negative code with err set. */
    int (*alone)(void *arg, size_t k, zd_error *err);
} zc_pipe_ops;

typedef struct zc_pipe_slot {
    zd_buf out;         /* head, and the body when it is small */
    zd_buf target;      /* the request target, NUL-terminated (for done's messages) */
    const char *method; /* a string constant */
    const void *body;   /* a large body sent from the caller's memory, or NULL */
    size_t body_len;
} zc_pipe_slot;

/* A worker's pipelining state: reusable buffers, no connection of its own. */
typedef struct zc_pipe {
    zc_pipe_slot slot[ZC_PIPE_WINDOW];
    zc_response rs;
} zc_pipe;

/* Run requests 0..n-1 on conn as described above. 0, or the first failure's code with err set
 * (then the connection has been closed). */
int zc_pipe_run(zc_pipe *p, zc_conn *conn, size_t n, const zc_pipe_ops *ops, void *arg,
                zd_error *err);

/* Free the buffers (the pipe stays usable). */
void zc_pipe_free(zc_pipe *p);

#endif
