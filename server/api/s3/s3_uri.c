/* s3_uri.c: query parameters of S3 requests, decoded as S3 does (s3_pct_decode: "%XX" only,
 * a '+' stays a '+', as S3 SDKs always encode a space as %20). */
#include "s3_internal.h"

#include "zd_ctype.h"

#include <string.h>

/* The raw value of the first parameter whose decoded name is `name`. */
static const char *s3_query_find(cn_conn *c, const char *name, size_t *vlen, bool *has_value)
{
    const char *q = c->req.query;
    size_t len = c->req.query_len, want = strlen(name), i = 0;
    while (i < len) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - q) : len;
        const char *eq = memchr(q + i, '=', end - i);
        size_t nlen = eq ? (size_t)(eq - (q + i)) : end - i;
        char dn[128];
        long dl = nlen < sizeof dn ? s3_pct_decode(q + i, nlen, dn, sizeof dn) : -1;
        if (dl == (long)want && memcmp(dn, name, want) == 0) {
            *has_value = eq != NULL;
            *vlen = eq ? (size_t)(q + end - eq - 1) : 0;
            return eq ? eq + 1 : q + end;
        }
        i = end + 1;
    }
    return NULL;
}

int s3_query(cn_conn *c, const char *name, char *out, size_t cap, size_t *len)
{
    size_t vlen;
    bool has_value;
    const char *v = s3_query_find(c, name, &vlen, &has_value);
    if (!v) {
        out[0] = '\0';
        *len = 0;
        return 0;
    }
    long n = s3_pct_decode(v, vlen, out, cap);
    if (n < 0) return -1;
    *len = (size_t)n;
    return 1;
}

bool s3_query_has(cn_conn *c, const char *name)
{
    size_t vlen;
    bool has_value;
    return s3_query_find(c, name, &vlen, &has_value) != NULL;
}
