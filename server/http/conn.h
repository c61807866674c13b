/* conn.h: one client connection: llhttp parsing, the current request, body routing,
 * keep-alive, pipelining and timeouts.
 *
 * Life of a request: bytes land in a fixed read buffer (pooled, held only while busy) and go
 * to llhttp. The URL and header
 * fields are copied into a fixed arena (CN_MAX_HEADER_BYTES: beyond it 431, or 414 for the
 * target alone). At the end of the header section the router picks a handler whose begin()
 * either builds an answer right away (errors) or says where the body goes (a store writer, a
 * bounded memory buffer, or nowhere). At the end of the message the handler's work() step (the
 * part that may block: store commits, shard changes) runs -- on an I/O thread when the request
 * is marked offload (io_pool.h), the loop going on with other connections meanwhile -- and then
 * finish() builds the answer on the loop. The parser is paused there, so a pipelined next
 * request is parsed only once this response has been written; meanwhile bytes are still read
 * into the read buffer until it is full (back-pressure; not while the work step runs).
 *
 * Timeouts (one timer): idle keep-alive (--idle-timeout); a whole header section, and every
 * pause in body or response progress (--request-timeout). Body progress means at least
 * CN_MIN_PROGRESS bytes per --request-timeout window (or the end of the body), so a body
 * trickled a few bytes at a time is cut off like a slowloris header section. */
#ifndef ZS_CONN_H
#define ZS_CONN_H

#include "cors.h"
#include "response.h"
#include "store.h"
#include "worker.h"
#include "zd_buf.h"
#include "zd_error.h"
#include "zd_key.h"

#include <llhttp.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define CN_RBUF             (64 * 1024)
#define CN_MAX_HEADER_BYTES (16 * 1024) /* request target + all field names and values */
#define CN_MAX_HEADERS      100
#define CN_DISCARD_MAX      (64 * 1024) /* a refused body up to this is read and dropped */
#define CN_BUFS             (CN_RBUF + CN_MAX_HEADER_BYTES) /* pooled per busy connection */
#define CN_MIN_PROGRESS     1024 /* body bytes that count as progress (slow-POST defence) */

typedef enum {
    CN_BODY_DISCARD, /* drop (default) */
    CN_BODY_WRITER,  /* req.writer */
    CN_BODY_BUFFER,  /* req.body, up to req.body_limit bytes */
} cn_body_mode;

typedef struct cn_header {
    uint32_t name, name_len, value, value_len; /* offsets into the arena */
} cn_header;

struct hd_handler;
struct cn_conn;

/* A protocol front-end (the native API, S3), named by the listener a connection came in on:
 * it routes each request at the end of its header section and writes errors that arise in
 * the connection layer (malformed requests, timeouts, a body the store refused) in its own
 * format. NULL hooks: the native behaviour (JSON error bodies). */
typedef struct cn_frontend {
    void (*route)(struct cn_conn *c);
    void (*request_start)(struct cn_conn *c); /* a new request begins (may be NULL) */
    void (*error)(struct cn_conn *c, int status, const char *error, const char *detail);
    void (*store_error)(struct cn_conn *c, int rc, const char *what);
    void (*conn_close)(struct cn_conn *c); /* release c->fe_data */
} cn_frontend;

typedef struct cn_request {
    int method; /* llhttp_method_t */
    bool head;  /* HEAD: no response body */
    uint8_t http_minor;
    const char *path; /* request target up to '?', still encoded */
    size_t path_len;
    const char *query; /* after '?', or "" */
    size_t query_len;
    size_t nheaders;
    bool in_value; /* the last header callback was a value */
    uint32_t target_len;
    bool has_length;
    uint64_t content_length;
    bool chunked;
    uint64_t body_bytes;
    uint64_t body_expected; /* exact body length the handler needs, or UINT64_MAX */
    cn_body_mode body_mode;
    st_writer *writer;
    uint64_t body_limit;
    const struct hd_handler *handler;
    int cond_status;              /* set by the precondition callback: 304 or 412 */
    int patch_form;               /* hd_patch.c's body form */
    rs_error_writer error_writer; /* error body format (NULL: JSON), set by the router */
    bool offload;                 /* run the handler's work step on an I/O thread (io_pool.h) */
    int work_rc;                  /* the work step's outcome, for finish */
    st_result work_res;
    bool work_existed;       /* DELETE: there was a value */
    const char *work_reason; /* a request error the work step found (400): reason... */
    zd_error work_err;       /* ... and detail */
    void *work_state;        /* handler-owned state between work and finish (freed by finish) */
    uint64_t start_ns;
    /* Large members last: cn_req_start clears only what comes before them. */
    zd_key key; /* set by the router; key.len 0 and is_prefix false until then */
    zd_buf body;
    cn_header headers[CN_MAX_HEADERS]; /* the first nheaders are valid */
} cn_request;

typedef enum {
    CN_IDLE,       /* between requests */
    CN_HEADERS,    /* reading a header section */
    CN_BODY,       /* reading a body */
    CN_WORKING,    /* the handler's work step runs on an I/O thread; reading stopped */
    CN_RESPONDING, /* writing a response; parser paused */
    CN_CLOSING,
} cn_state;

typedef struct cn_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shut;
    uv_write_t cont_req; /* 100 Continue */
    uv_work_t work_req;  /* the handler's work step on an I/O thread */
    wk_worker *w;
    const cn_frontend *fe;   /* of the listener that accepted it */
    void *fe_data;           /* the front-end's per-connection state, or NULL */
    const cors_policy *cors; /* the listener's CORS policy (cors.h) */
    struct cn_conn *prev, *next;
    llhttp_t parser;
    cn_state state;
    bool reading;
    bool paused;      /* llhttp paused after a message or an early answer */
    bool close_after; /* close once the current response is written */
    bool linger;      /* after closing our side, drain what the client still sends */
    bool early;       /* answered at the header section; the refused body is being dropped */
    bool early_done;  /* ... and that answer has been written */
    bool peer_eof;    /* the client closed its side while a response was being written */
    int pending_closes;
    int err_status; /* set by a parser callback that fails the request */
    const char *err_detail;
    size_t rpos, rlen;
    uint64_t bytes_in; /* received since the last finished request (metrics) */
    uint64_t progress; /* body bytes since the body timer was last re-armed */
    char peer[48];     /* client address, for the access log */
    bool idle_listed;  /* in the worker's idle keep-alive list (conn_idle.c) */
    struct cn_conn *idle_prev, *idle_next;
    uint32_t arena_len;
    cn_request req;
    rs_state resp;
    /* Read buffer (CN_RBUF) and header arena, one CN_BUFS block from the worker's pool, held
     * only while the connection has a request or unparsed bytes: idle connections hold none. */
    char *rbuf;
    char *arena;
} cn_conn;

/* Accept a connection on one of the worker's listeners: serve it, or hand it to a worker with
 * fewer connections (worker.h). */
void cn_accept(wk_listener *l);

/* Serve connection fd (front-end fe) that another worker accepted and handed over; w owns fd
 * from now on, its slot counted already (open connections, the accept gate). */
void cn_adopt(wk_worker *w, int fd, const struct cn_frontend *fe);

/* Close idle connections and mark busy ones to close after their response (draining). */
void cn_drain_all(wk_worker *w);

/* Called by the response writer when the response has been fully written. */
void cn_response_done(cn_conn *c);

/* Called by the response writer after each written piece: re-arms the progress timeout. */
void cn_write_progress(cn_conn *c);

/* Close the connection now (write error, stalled client). */
void cn_abort(cn_conn *c);

/* The worker's idle keep-alive list (conn_idle.c): a connection that answered a request and
 * waits for the next joins it / leaves it when a request starts or it closes. */
void cn_idle_enter(cn_conn *c);
void cn_idle_leave(cn_conn *c);

/* At the connection cap: close up to n of the worker's longest-idle keep-alive connections
 * that have no request waiting. Returns how many. */
int cn_idle_reclaim(wk_worker *w, int n);

/* Handlers: look up a request header (case-insensitive); NULL if absent. */
const char *cn_header_get(const cn_conn *c, const char *lname, size_t *len);

/* Handlers: route the body. */
void cn_body_to_writer(cn_conn *c, st_writer *w);
void cn_body_to_buffer(cn_conn *c, uint64_t limit);

/* Monotonic nanoseconds. */
uint64_t cn_now_ns(void);

#endif
