/* shard_http_client.h: shard-endpoint requests over a test connection (tests/support), shared
 * by the shard HTTP tests and the crash test: one inner chunk PUT / GET / DELETE, a batch, and
 * reading a whole shard (its file in the server's root, or its value over HTTP) for the
 * checker. */
#ifndef SHARD_HTTP_CLIENT_H
#define SHARD_HTTP_CLIENT_H

#include "zt_http.h"

#include <stddef.h>
#include <stdint.h>

/* Send `method /key?query` with a Zarr-Shard header (layout may be NULL: none) and body (NULL:
 * none), read the response into r (freed first by the caller). 0 or a transport error. */
int shc_request(zt_conn *c, const char *method, const char *key, const char *query,
                const char *layout, const void *body, size_t len, zt_response *r);

/* The status of such a request, or -1 on a transport error. */
int shc_status(zt_conn *c, const char *method, const char *key, const char *query,
               const char *layout, const void *body, size_t len);

/* "chunk=a,b,..." for ndim coordinates into out. */
void shc_chunk_query(char *out, size_t cap, int ndim, const uint64_t *coords);

/* Read the file root/key into out (reset first). 0, or -1 if it cannot be read. */
int shc_read_file(const char *root, const char *key, zd_buf *out);

/* The whole value at key through a plain GET to server s (either store) into out (reset
 * first). 0, or -1 if there is no value or the request fails. */
int shc_read_value(const zt_server *s, const char *key, zd_buf *out);

#endif
