/* zd_buf.h: a growable byte buffer (data, len, cap). Growth is geometric and overflow-checked;
 * a zeroed zd_buf is a valid empty buffer. Used for encoded chunks, response headers and JSON. */
#ifndef ZD_BUF_H
#define ZD_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct zd_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} zd_buf;

/* Ensure room for `extra` more bytes after len. 0 or ZD_ENOMEM / ZD_EOVERFLOW. */
int zd_buf_reserve(zd_buf *b, size_t extra);

/* Append bytes / a NUL-terminated string / formatted text (no NUL counted in len). */
int zd_buf_append(zd_buf *b, const void *data, size_t n);
int zd_buf_append_str(zd_buf *b, const char *s);
int zd_buf_appendf(zd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set len to 0, keep the allocation. */
void zd_buf_reset(zd_buf *b);

/* Release the allocation; the buffer is empty and reusable afterwards. */
void zd_buf_free(zd_buf *b);

/* Hand the allocation to the caller (who frees it with free()); the buffer becomes empty. */
uint8_t *zd_buf_steal(zd_buf *b, size_t *len);

#endif
