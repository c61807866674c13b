/* fuzz_s3_chunked.c: libFuzzer harness for the aws-chunked decoder of S3 request bodies
 * (server/api/s3/s3_chunked.c). The first byte picks a piece size (1..256) the rest is fed in,
 * so every way the network may cut a body is tried. Checks that the payload handed out is no
 * longer than the input, that chunk begins and ends pair up (never two begins in a row, never
 * an end without a begin), that each chunk's data is exactly its announced size, and that the
 * same input fed whole gives the same outcome and the same payload. */
#include "s3_chunked.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct track {
    uint8_t *out;
    size_t len, cap;
    bool open;
    uint64_t announced, got;
} track;

static int t_data(void *ctx, const uint8_t *p, size_t n)
{
    track *t = ctx;
    if (!t->open || n > t->cap - t->len) abort();
    memcpy(t->out + t->len, p, n);
    t->len += n;
    t->got += n;
    if (t->got > t->announced) abort();
    return 0;
}

static int t_begin(void *ctx, uint64_t size, const char *sig, size_t siglen)
{
    track *t = ctx;
    if (t->open || (sig && siglen > S3_CHUNK_LINE_MAX)) abort();
    t->open = true;
    t->announced = size;
    t->got = 0;
    return 0;
}

static int t_end(void *ctx)
{
    track *t = ctx;
    if (!t->open || t->got != t->announced) abort();
    t->open = false;
    return 0;
}

static int t_trailer(void *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
    (void)ctx;
    if (nl == 0 || nl + vl > S3_CHUNK_LINE_MAX || memchr(n, ':', nl) || !v) abort();
    return 0;
}

static int run(const uint8_t *body, size_t len, size_t step, track *t, bool *done)
{
    s3_chunked d;
    s3_chunked_init(&d);
    s3_chunked_ops ops = {
        .data = t_data, .chunk_begin = t_begin, .chunk_end = t_end, .trailer = t_trailer, .ctx = t};
    zd_error err;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i += step)
        rc = s3_chunked_feed(&d, body + i, len - i < step ? len - i : step, &ops, &err);
    *done = s3_chunked_done(&d);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = 1 + data[0];
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    track a = {.out = malloc(len + 1), .cap = len}, b = {.out = malloc(len + 1), .cap = len};
    bool da, db;
    int ra = run(body, len, step, &a, &da);
    int rb = run(body, len, len ? len : 1, &b, &db);
    if (ra != rb || da != db || a.len != b.len || (a.len && memcmp(a.out, b.out, a.len) != 0))
        abort();
    if (da && a.open) abort(); /* done means every chunk ended (bytes after it are an error) */
    free(a.out);
    free(b.out);
    return 0;
}
