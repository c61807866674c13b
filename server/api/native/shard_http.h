/* shard_http.h: the shard endpoints of DESIGN.md ("Shard endpoints") without the transport:
 * a request (method, key, query, Zarr-Shard header, body) in, a status and body out. The
 * connection glue (route_shard.c) only buffers the body and sends what this returns.
 *
 *   GET    /shard?chunk=C   200 encoded inner chunk; 404 empty chunk or no shard
 *   GET    /shard?chunks=C;C;...  200 the inner chunks of one version of the shard, in the order
 *                           asked, framed as a 1-D shard (read_several in shard_http.c)
 *   PUT    /shard?chunk=C   204; body = the encoded inner chunk
 *   DELETE /shard?chunk=C   204 (also when already empty); the last chunk deletes the shard
 *   POST   /shard?batch     204; body = batch framing (zd_batch.h), applied atomically
 *
 * The layout comes from the Zarr-Shard header (shard_header.h) or, without it, from the
 * array's zarr.json (shard_meta.h). Statuses for refusals: 400 malformed header / query /
 * batch, coordinates outside the shard, or no layout; 409 the stored shard contradicts the
 * layout or the array is not sharded; 413 a chunk too large, or a shard whose index is past
 * the server's --max-shard-index; 422 a chunk of the wrong size for a fixed-size inner codec
 * chain; 405 another method; 503 + Retry-After when the shard index budget is in use by other
 * requests (shard_budget.h). Nothing changes then. */
#ifndef SHARD_HTTP_H
#define SHARD_HTTP_H

#include "shard_backend.h"
#include "zd_buf.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>

/* Largest body a shard request may carry (a chunk or a batch), whatever --max-body says. */
#define SH_HTTP_BODY_MAX ((uint64_t)1 << 30)

/* Most inner chunks one `?chunks=` may name (the request target's own limit, 16 KiB, is
 * usually reached first). */
#define SH_HTTP_CHUNKS_MAX 4096

typedef enum sh_method { SH_GET, SH_HEAD, SH_PUT, SH_DELETE, SH_POST, SH_OTHER } sh_method;

typedef struct sh_http_request {
    sh_method method;
    const char *key; /* validated store key, NUL-terminated */
    const char *query;
    size_t query_len;
    const char *zarr_shard; /* Zarr-Shard header value, or NULL */
    size_t zarr_shard_len;
    const uint8_t *body;
    size_t body_len;
    bool may_block; /* false on an event loop: a change may answer ZD_EWOULDBLOCK (rs->status 0) */
} sh_http_request;

typedef struct sh_http_response {
    int status;
    const char *error; /* short reason for an error status, e.g. "conflict" */
    zd_error detail;   /* the long reason */
    zd_buf body;       /* 200 to a GET: the encoded inner chunk(s) */
    uint64_t length;   /* 200 to a GET or HEAD: the answer's length (a HEAD reads no chunk) */
    int retry_after;   /* > 0: send Retry-After with these seconds (503, busy) */
} sh_http_response;

/* Whether the request carries a body the handler must read first (PUT and POST). */
bool sh_http_wants_body(sh_method m);

/* Serve one request with backend b (shard_backend.h: the file engine or the memory store);
 * rs->body must be empty or reusable (it is reset). */
void sh_http_handle(const sh_backend *b, const sh_http_request *rq, sh_http_response *rs);

#endif
