/* s3_chunked.h: the aws-chunked body framing current AWS SDKs send by default
 * (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER), inside the HTTP body:
 *
 *   SIZE-HEX [;chunk-signature=SIG] CRLF  DATA  CRLF     (repeated)
 *   0 [;chunk-signature=SIG] CRLF
 *   [NAME:VALUE CRLF]...                                   (trailing headers, e.g. checksums)
 *   CRLF
 *
 * A push decoder: bytes are fed as they arrive, in pieces of any size; the payload and the
 * framing events go to callbacks. Bounded: a size line or a trailer line longer than
 * S3_CHUNK_LINE_MAX, more than S3_CHUNK_TRAILER_MAX bytes of trailers, a size beyond 2^63,
 * or anything after the final CRLF is malformed. No allocation; no crypto (the body filter,
 * s3_body.c, checks signatures and checksums). */
#ifndef ZS_S3_CHUNKED_H
#define ZS_S3_CHUNKED_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_CHUNK_LINE_MAX    256
#define S3_CHUNK_TRAILER_MAX 4096

typedef struct s3_chunked_ops {
    int (*data)(void *ctx, const uint8_t *p, size_t n);
    /* A chunk header: its size and signature (sig NULL when the chunk carries none). */
    int (*chunk_begin)(void *ctx, uint64_t size, const char *sig, size_t siglen);
    /* The current chunk's data is complete (also for the final, empty one). */
    int (*chunk_end)(void *ctx);
    /* One trailing header line, name and value trimmed. */
    int (*trailer)(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen);
    void *ctx;
} s3_chunked_ops;

typedef struct s3_chunked {
    int state;
    uint64_t left; /* data bytes left in the current chunk */
    size_t line_len;
    size_t trailer_bytes;
    char line[S3_CHUNK_LINE_MAX];
} s3_chunked;

void s3_chunked_init(s3_chunked *d);

/* Feed n bytes. 0, ZD_EINVAL for a framing error (err says what), or the first non-zero
 * callback result. */
int s3_chunked_feed(s3_chunked *d, const uint8_t *p, size_t n, const s3_chunked_ops *ops,
                    zd_error *err);

/* Whether the final CRLF has been read. */
bool s3_chunked_done(const s3_chunked *d);

#endif
