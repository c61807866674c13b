/* shard_http_client.h: shard-endpoint requests over a test connection (tests/support), shared
 * by the shard HTTP tests and the crash test: one inner chunk PUT / GET / DELETE, a batch, and
 * reading a whole shard (its file in the server's root, or its value over HTTP) for the
 * checker; and the 16 x 8 test shard most of them use, with its concurrent writer. */
#ifndef SHARD_HTTP_CLIENT_H
#define SHARD_HTTP_CLIENT_H

#include "shard_check_file.h"
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

/* The test shard: 16 x 8 inner chunks, index at the end with crc32c; inner chunk pos is
 * (pos / 8, pos % 8) and holds a self-checking payload (shard_payload.h). */
#define SHC_LAYOUT_16X8 "chunks=16,8; index=end; crc32c=1"
#define SHC_CHUNKS_16X8 128

zd_shard_layout shc_layout_16x8(void);

/* The status of `method` (PUT with payload; GET / DELETE with NULL) of inner chunk pos of the
 * test shard at key, or -1 on a transport error. */
int shc_chunk_status(zt_conn *c, const char *method, const char *key, uint64_t pos,
                     const zd_buf *payload);

/* Run the checker on the test shard shard[0..len) (payloads verified); rep may be NULL. 0, or
 * the checker's code with err saying why. */
int shc_check_16x8(const uint8_t *shard, size_t len, sh_check_report *rep, zd_error *err);

/* The same for the test shard stored at key, read with a plain GET to s. */
int shc_check_value(const zt_server *s, const char *key, sh_check_report *rep, zd_error *err);

/* One writer of a concurrency test on the test shard at key over its own connection to srv:
 * rounds 1..rounds put inner chunks first, first + stride, ... with the payload of (pos, round)
 * and sp_size(pos, round, fixed, max) bytes; with drop_every, a chunk with
 * (pos + round) % drop_every == 0 is deleted instead. Every request must answer 204. */
typedef struct shc_writer {
    const zt_server *srv;
    const char *key;
    uint64_t first, stride;
    uint32_t rounds;
    size_t fixed, max;
    unsigned drop_every; /* 0: never delete */
    int failures;        /* out: requests not answered 204 (1 if no connection) */
} shc_writer;

/* A pthread start routine: arg is a shc_writer. */
void *shc_writer_run(void *arg);

#endif
