/* s3_uri.c: percent-encoding and query strings as S3 uses them. Decoding turns "%XX" into
 * the byte and leaves everything else, '+' included (S3 SDKs encode a space as %20; a '+'
 * in a key is a '+'). Encoding is the strict form of SigV4 and of encoding-type=url
 * listings: A-Z a-z 0-9 - _ . ~ kept, every other byte %XX (upper-case hex), '/' kept in
 * paths. */
#include "s3_internal.h"

#include "zd_ctype.h"

#include <string.h>

long s3_pct_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            int hi = i + 2 < len ? zd_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? zd_hex_value((unsigned char)s[i + 2]) : -1;
            if (lo < 0) return -1;
            ch = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (ch == '\0' || n == cap) return -1;
        out[n++] = (char)ch;
    }
    if (n == cap) return -1;
    out[n] = '\0';
    return (long)n;
}

void s3_pct_encode(zd_buf *out, const char *s, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/')) {
            zd_buf_append(out, s + i, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            zd_buf_append(out, e, 3);
        }
    }
}

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
