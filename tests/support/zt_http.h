/* zt_http.h: a small blocking HTTP/1.1 client over a raw TCP socket, for tests. It sends
 * arbitrary bytes (malformed requests, pipelined batches, bodies in pieces) and reads
 * responses strictly: status line, headers, then a body framed by Content-Length, chunked
 * transfer coding or connection close (none for HEAD, 1xx, 204 and 304). Every socket
 * operation has a timeout (ZT_WAIT_MS by default) so a test never hangs on a silent server. */
#ifndef ZT_HTTP_H
#define ZT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zd_buf.h"
#include "zt_server.h"

#define ZT_MAX_HEADERS 64

/* How long a socket operation waits by default: a minute. Writes that reach the disk run on
 * zarrd's I/O threads, and on the 2-core CI machine the kernel has held one up for 10-25 s
 * when the disk fell behind (while the same server went on answering GETs: 1.09 million in
 * one such stall), about once in a few hundred runs of the racing tests. A test is about what
 * the answer is, not how fast it comes; the suites' own timeouts still bound a silent server. */
#define ZT_WAIT_MS 60000

typedef struct zt_conn {
    int fd;
    zd_buf in; /* received, not yet consumed bytes are in[in_off, in.len) */
    size_t in_off;
} zt_conn;

typedef struct zt_hfield {
    char *name;
    char *value;
} zt_hfield;

typedef struct zt_response {
    int status;
    zt_hfield headers[ZT_MAX_HEADERS];
    size_t nheaders;
    zd_buf body;
} zt_response;

/* Connect to host:port (numeric IPv4) / to a started server. 0 or ZD_EIO. */
int zt_conn_open(zt_conn *c, const char *host, int port);
int zt_conn_open_server(zt_conn *c, const zt_server *s);
void zt_conn_close(zt_conn *c);

/* Set the send/receive timeout of every later operation. */
int zt_conn_set_timeout(zt_conn *c, int ms);

/* Send bytes as they are / formatted text. 0 or ZD_EIO. */
int zt_send(zt_conn *c, const void *data, size_t n);
int zt_sendf(zt_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send "METHOD TARGET HTTP/1.1" with Host, the extra header lines `headers` ("Name: v\r\n"
 * each; may be NULL), Content-Length when body is not NULL, and the body. */
int zt_send_request(zt_conn *c, const char *method, const char *target, const char *headers,
                    const void *body, size_t len);

/* Read one response: status line and headers (zt_read_head), then the whole body. An interim
 * 1xx response is returned like any other. head_request: the request was HEAD (no body). */
int zt_read_head(zt_conn *c, zt_response *r);
int zt_read_body(zt_conn *c, zt_response *r, bool head_request);
int zt_read_response(zt_conn *c, zt_response *r, bool head_request);
void zt_response_free(zt_response *r);

/* The value of the first header called name (case-insensitive), or NULL. */
const char *zt_header(const zt_response *r, const char *name);

/* The Content-Length header as a number; false when absent or malformed. */
bool zt_content_length(const zt_response *r, uint64_t *out);

/* Up to cap raw bytes (buffered first): > 0 bytes read, 0 peer closed, < 0 error/timeout.
 * For streaming a large body after zt_read_head. */
ssize_t zt_recv(zt_conn *c, void *buf, size_t cap);

/* True when the peer closes the connection (EOF or reset) within the timeout, having sent
 * nothing more. */
bool zt_conn_closed_by_peer(zt_conn *c);

/* One request on the open connection c (as zt_send_request), its response read and dropped:
 * the status, or -1 on a transport error (no complete response). */
int zt_conn_status(zt_conn *c, const char *method, const char *target, const char *headers,
                   const void *body, size_t len);

/* One request on a new connection, response read, connection closed. 0 or a ZD_E* code. */
int zt_request(const zt_server *s, const char *method, const char *target, const char *headers,
               const void *body, size_t len, zt_response *r);

#endif
