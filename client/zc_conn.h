/* zc_conn.h: one keep-alive HTTP/1.1 connection to the server and one request/response
 * exchange over it. Blocking style over a non-blocking socket: every wait is a poll() bounded
 * by the configured timeouts. Responses are parsed with llhttp (HTTP_RESPONSE mode) from a
 * receive buffer that keeps the bytes after a response, so several responses can be read off
 * one stream (pipelining, zc_pipe.c, uses the lower-level calls at the end).
 *
 * A connection found closed by the server before a request is sent is reopened transparently;
 * zc_conn_exchange() itself never retries a request that may have reached the server (that is
 * zc_request's job, for idempotent methods only). */
#ifndef ZC_CONN_H
#define ZC_CONN_H

#include "zc_url.h"
#include "zd_buf.h"
#include "zd_error.h"

#include <llhttp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Largest response body the client accepts (a whole shard can be large; bounded anyway). */
#define ZC_MAX_RESPONSE_BODY ((uint64_t)1 << 36)

/* Receive buffer of a connection (allocated on first use). */
#define ZC_CONN_RX (64 * 1024)

/* What every connection of one client shares (read-only after zc_client_open). */
typedef struct zc_conn_cfg {
    zc_url url;
    int connect_timeout_ms;
    int io_timeout_ms;
    int retries;
    char auth_header[512]; /* "Authorization: Bearer T\r\n" or "" */
} zc_conn_cfg;

typedef struct zc_request {
    const char *method;  /* "GET", "HEAD", "PUT", "PATCH", "DELETE", "POST" */
    const char *target;  /* encoded path and query (zc_url_target) */
    const char *headers; /* extra header lines each ending in "\r\n", or NULL */
    const void *body;
    size_t body_len;
    bool body_is_file; /* the body_len bytes are read from body_fd, from offset 0 (not body) */
    int body_fd;
    /* When set, the body has no length known ahead: it goes out in chunked transfer coding, a
     * chunk for each piece the source gives (see zc_source in zarrd/client.h), and body,
     * body_len and body_is_file are not used. */
    ssize_t (*body_source)(void *arg, void *buf, size_t cap);
    void *body_source_arg;
} zc_request;

typedef struct zc_response {
    int status;
    zd_buf body;
    uint64_t content_length; /* from the header; UINT64_MAX when absent */
    char content_range[96];
    char content_type[128];
    char etag[96];
} zc_response;

typedef struct zc_conn {
    const zc_conn_cfg *cfg;
    int fd; /* -1 when closed */
    llhttp_t parser;
    llhttp_settings_t settings;
    zd_buf tx;         /* request head under construction */
    zc_response *resp; /* response being parsed */
    bool head_request; /* the response has no body */
    bool complete;     /* message complete */
    bool reused;       /* a request already went over this socket */
    bool in_value;     /* header parsing state */
    char field[32];
    size_t field_len;
    char value[128];
    size_t value_len;
    bool value_truncated;
    int body_error;
    /* Set by the caller for one request: a 2xx answer's body goes to sink piece by piece as it
     * arrives instead of into the response (any other answer's body is kept, for its message).
     * sunk counts the bytes passed on. */
    int (*sink)(void *arg, const void *data, size_t len);
    void *sink_arg;
    uint64_t sunk;
    /* The exchange failed on this side, not the connection's: the sink stopped it, or the body's
     * file could not be read whole. Sending it again would fail the same way. */
    bool local_failed;
    /* The request's body source has been read from: the request cannot be sent again. */
    bool body_taken;
    uint8_t *rx; /* received bytes, [rx_pos, rx_len) not parsed yet */
    size_t rx_pos, rx_len;
    bool rx_eof;          /* the server closed its side */
    struct zc_conn *next; /* idle list link (zc_client) */
} zc_conn;

/* Prepare a closed connection. */
void zc_conn_init(zc_conn *c, const zc_conn_cfg *cfg);

/* Close the socket and free buffers. */
void zc_conn_free(zc_conn *c);

/* Close the socket (the connection stays usable; the next exchange reconnects). */
void zc_conn_close(zc_conn *c);

/* Send `rq` and read the whole response into `rs` (reset first; free with
 * zc_response_free). Returns 0 when a response arrived, whatever its status. On failure,
 * *sent_fully tells whether the whole request had been handed to the kernel. A server that
 * answers before the whole body is sent (a refusal such as 413) gets no more of it: that
 * answer is the response, and the connection is closed after it.
 * Codes: ZC_ECONNECT, ZC_ETIMEDOUT, ZD_EIO (connection lost, malformed response),
 * ZD_EOVERFLOW (response too large), ZD_ENOMEM. */
int zc_conn_exchange(zc_conn *c, const zc_request *rq, zc_response *rs, bool *sent_fully,
                     zd_error *err);

/* Parse a Content-Range value "bytes A-B/SIZE" (SIZE may be "*": *size = UINT64_MAX);
 * size may be NULL. 0 or ZD_EIO when malformed. */
int zc_content_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *size);

void zc_response_init(zc_response *rs);
void zc_response_free(zc_response *rs);

/* ---- the pieces of an exchange, for pipelining (zc_pipe.c) ---- */

/* Make sure the connection is open: a kept-alive socket the server has closed (or that holds
 * unexpected bytes) is closed first, then a closed connection connects. ZC_ECONNECT,
 * ZC_ETIMEDOUT. */
int zc_conn_connect(zc_conn *c, zd_error *err);

/* body_len of a request head whose body goes in chunked transfer coding. */
#define ZC_BODY_CHUNKED SIZE_MAX

/* Append a request head to out: "METHOD TARGET HTTP/1.1", Host, the client's Authorization,
 * Content-Length (when there is a body or the method takes one; Transfer-Encoding: chunked
 * for ZC_BODY_CHUNKED), `headers` (lines ending in CRLF, or NULL) and the empty line. 0 or
 * ZD_ENOMEM. */
int zc_conn_head(const zc_conn_cfg *cfg, const char *method, const char *target, size_t target_len,
                 const char *headers, size_t body_len, zd_buf *out);

/* Parse the next response on the stream into rs (reset first); head: it answers a HEAD. */
void zc_conn_expect(zc_conn *c, zc_response *rs, bool head);

/* Feed the received bytes to the parser: 1 the response is complete (the bytes after it stay
 * buffered), 0 more bytes are needed, else ZD_EIO (malformed; or the server closed the
 * connection before the end), ZD_EOVERFLOW (body too large), ZD_ENOMEM. */
int zc_conn_parse(zc_conn *c);

/* Receive what the socket holds without waiting: 1 bytes (or the server's close) arrived,
 * 0 nothing yet, ZD_EIO on a socket error. */
int zc_conn_recv(zc_conn *c);

/* A request goes out at most this much per send, and the answer is looked for between two
 * sends: a server that refuses a body answers once it has the head, then reads what still
 * comes as fast as it comes (to drop it), so one send could push a whole body of any size
 * before that answer is seen. One step is a few hundred microseconds of copying, against one
 * look (a recv or poll) of about one. */
#define ZC_SEND_STEP ((size_t)1 << 20)

/* sendmsg() of at most ZC_SEND_STEP bytes from the front of v[0..n), without SIGPIPE: what
 * sendmsg returns (errno set). */
ssize_t zc_conn_send_step(const zc_conn *c, const struct iovec *v, size_t n);

/* poll() the socket for `events`: 0 ready, ZC_ETIMEDOUT, ZD_EIO. */
int zc_conn_wait(const zc_conn *c, short events, int timeout_ms);

#endif
