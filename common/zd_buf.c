/* zd_buf.c: growable byte buffer (see zd_buf.h). */
#include "zd_buf.h"

#include "zd_checked.h"
#include "zd_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zd_buf_reserve(zd_buf *b, size_t extra)
{
    size_t need;
    if (!zd_add_size(b->len, extra, &need)) return ZD_EOVERFLOW;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (!zd_mul_size(cap, 2, &cap)) {
            cap = need;
            break;
        }
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) return ZD_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int zd_buf_append(zd_buf *b, const void *data, size_t n)
{
    if (n == 0) return 0;
    int rc = zd_buf_reserve(b, n);
    if (rc) return rc;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

int zd_buf_append_str(zd_buf *b, const char *s)
{
    return zd_buf_append(b, s, strlen(s));
}

int zd_buf_appendf(zd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return ZD_EINVAL;
    int rc = zd_buf_reserve(b, (size_t)n + 1);
    if (rc) return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void zd_buf_reset(zd_buf *b)
{
    b->len = 0;
}

void zd_buf_free(zd_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *zd_buf_steal(zd_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
