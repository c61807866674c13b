/* response.h: building and sending HTTP responses on a connection.
 *
 * Handlers build a response (rs_begin, rs_header*, then one of rs_send / rs_send_stream /
 * rs_error); the connection layer sends it when the request may be answered (rs_flush). The
 * header block and the body go out in one writev. Small bodies are copied inline; bodies
 * read from the store are streamed in RS_IOBUF pieces, the next piece being read only when
 * the previous one has been written (back-pressure; memory per connection stays bounded);
 * long stretches of a file-backed value are sent with sendfile(2) instead.
 * A streamed body is a list of segments: bytes of the stored value or bytes of a side buffer
 * (multipart part headers). */
#ifndef ZS_RESPONSE_H
#define ZS_RESPONSE_H

#include "store.h"
#include "zd_buf.h"
#include "zd_range.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define RS_IOBUF          (256 * 1024) /* streaming piece */
#define RS_INLINE_MAX     (64 * 1024)  /* bodies up to this are read in one go */
#define RS_KEEP_BODY      (8 * 1024)   /* a connection keeps an inline body buffer up to this */
#define RS_MAX_SEGS       (2 * ZD_MAX_RANGES + 1)
#define RS_SENDFILE_MIN   (64 * 1024) /* file stretches at least this long use sendfile */
#define RS_SENDFILE_TURN  (4u << 20)  /* sendfile bytes per loop turn, for fairness */
#define RS_PIPELINED_TURN 16          /* pipelined responses per connection and turn */
#define RS_GATHER_ONE     (16 * 1024) /* a response gathered whole is at most this long */
#define RS_GATHER_MAX     (64 * 1024) /* bytes gathered per connection before a send */

struct cn_conn;

enum { RS_OUT_FREE, RS_OUT_IN_OUT_REQ, RS_OUT_IN_WREQ };

typedef struct rs_seg {
    uint64_t off, len;
    bool from_store; /* else from rs_state.meta */
} rs_seg;

typedef struct rs_state {
    int status;
    bool ready;     /* a complete response is built */
    bool head_only; /* HEAD: headers only */
    zd_buf head;    /* status line and header fields, without the final CRLF */
    zd_buf body;    /* inline body */
    st_reader *rd;  /* streamed body source */
    zd_buf meta;
    rs_seg segs[RS_MAX_SEGS];
    size_t nsegs, seg;
    uint64_t seg_pos;
    uint8_t *iobuf;
    uint64_t bytes_out;
    uv_buf_t bufs[2];
    uv_write_t wreq;
    uv_poll_t poll; /* writability of a duplicate of the socket fd, for sendfile */
    int poll_fd;
    bool poll_open;
    bool poll_active;
    bool written_listed; /* written directly; completes from the worker's idle handle */
    zd_buf out;          /* pipelined responses gathered for one send (rs_out_flush) */
    uv_write_t out_req;  /* sends what of `out` the socket did not take at once */
    uint8_t out_held;    /* RS_OUT_*: `out` is held by a uv_write until its callback */
    struct cn_conn *written_prev, *written_next;
} rs_state;

void rs_begin(struct cn_conn *c, int status);

/* Send the responses gathered on c (see rs_write), before anything else is written to its
 * socket or it is shut down. */
void rs_out_flush(struct cn_conn *c);

/* The reason phrase of a status ("Not Found"; "Unknown" for one not in the table). */
const char *rs_reason(int status);
void rs_header(struct cn_conn *c, const char *name, const char *value);

/* Finish with an in-memory body (copied) of the given Content-Type (NULL: none). */
void rs_send(struct cn_conn *c, const char *ctype, const void *body, size_t len);

/* Body segments for rs_send_stream. */
void rs_seg_store(struct cn_conn *c, uint64_t off, uint64_t len);
void rs_seg_meta(struct cn_conn *c, const void *data, size_t len);

/* Finish with the segments added so far, read through rd (owned by the response now). */
void rs_send_stream(struct cn_conn *c, const char *ctype, st_reader *rd);

/* Finish with a stored value of `size` bytes read through rd: the range r (adds
 * Content-Range; the caller began a 206) or, r NULL, all of it. */
void rs_send_value(struct cn_conn *c, const char *ctype, st_reader *rd, uint64_t size,
                   const zd_range *r);

/* Writes an error body in a front-end's own format (e.g. WebDAV's XML) and finishes the
 * response with rs_send; set per request in cn_request.error_writer, NULL for JSON. */
typedef void (*rs_error_writer)(struct cn_conn *c, const char *error, const char *detail);

/* A complete error response: {"error": error, "detail": ...} in JSON, or the request's
 * error_writer's format. */
void rs_error(struct cn_conn *c, int status, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Finish a response started with rs_begin (plus extra headers) with the error body. */
void rs_error_body(struct cn_conn *c, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Send the built response (the connection decides when). Completion calls
 * cn_response_done(); a write error closes the connection. */
void rs_flush(struct cn_conn *c);

struct wk_worker;
/* The worker's completion of responses written without a write request (response.c): set up
 * with its loop / run what is listed and close (when the worker drains). */
void rs_worker_init(struct wk_worker *w);
void rs_worker_close(struct wk_worker *w);

/* Release what the response holds (reader, oversized buffers); keeps small buffers. */
void rs_reset(struct cn_conn *c);
void rs_free(struct cn_conn *c);

/* Append s to out as a JSON string literal (quotes included). */
int rs_json_string(zd_buf *out, const char *s, size_t len);

#endif
