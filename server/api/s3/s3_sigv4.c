/* s3_sigv4.c: the computations of AWS Signature Version 4 (see s3_sigv4.h). */
#include "s3_sigv4.h"

#include "zd_buf.h"
#include "zd_ctype.h"
#include "zd_limits.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S3_SIGV4_MAX_QUERY  100 /* parameters in a signed query string */
#define S3_SIGV4_MAX_SIGNED 64  /* signed headers */

void s3_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void s3_sha256(const void *data, size_t len, uint8_t out[32])
{
    EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

static void s3_hmac(const void *key, size_t klen, const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, data, len, out, &n);
}

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
        if (ch == '\0') return -1;
        if (n + 1 >= cap) return -2;
        out[n++] = (char)ch;
    }
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

/* ---- canonical request ---- */

typedef struct s3_qparam {
    char *name, *value; /* strictly re-encoded */
} s3_qparam;

static int s3_qparam_cmp(const void *a, const void *b)
{
    const s3_qparam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* s[0..len) decoded and strictly re-encoded, as a new string (NULL: malformed, no memory). */
static char *s3_reencode(const char *s, size_t len)
{
    char dec[ZD_MAX_KEY * 3 + 1];
    long n = s3_pct_decode(s, len, dec, sizeof dec);
    if (n < 0) return NULL;
    zd_buf enc = {0};
    s3_pct_encode(&enc, dec, (size_t)n, false);
    zd_buf_append(&enc, "", 1);
    return (char *)enc.data;
}

/* The canonical query: every parameter but X-Amz-Signature, re-encoded, sorted. */
static bool s3_canonical_query(const s3_sigv4_req *r, zd_buf *out)
{
    const char *q = r->query;
    size_t len = r->query_len, n = 0, i = 0;
    s3_qparam v[S3_SIGV4_MAX_QUERY];
    bool ok = true;
    while (ok && i < len) {
        const char *amp = memchr(q + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - q) : len;
        const char *eq = memchr(q + i, '=', end - i);
        size_t nlen = eq ? (size_t)(eq - (q + i)) : end - i;
        const char *val = eq ? eq + 1 : q + end;
        size_t vlen = eq ? (size_t)(q + end - val) : 0;
        const char *name = q + i;
        i = end + 1;
        if (nlen == 0) continue;
        if (n == S3_SIGV4_MAX_QUERY) {
            ok = false;
            break;
        }
        v[n].name = s3_reencode(name, nlen);
        v[n].value = s3_reencode(val, vlen);
        ok = v[n].name && v[n].value;
        n++;
        if (ok && strcmp(v[n - 1].name, "X-Amz-Signature") == 0) {
            n--;
            free(v[n].name);
            free(v[n].value);
        }
    }
    if (ok) qsort(v, n, sizeof *v, s3_qparam_cmp);
    for (size_t k = 0; k < n; k++) {
        if (ok) zd_buf_appendf(out, "%s%s=%s", k ? "&" : "", v[k].name, v[k].value);
        free(v[k].name);
        free(v[k].value);
    }
    return ok;
}

/* Append "name:value\n" for a signed header: every field of that name, trimmed, inner runs
 * of spaces folded, joined with ','. */
static void s3_canonical_header(const s3_sigv4_req *r, const char *name, size_t nlen, zd_buf *out)
{
    zd_buf_append(out, name, nlen);
    zd_buf_append(out, ":", 1);
    const char *v;
    size_t vlen;
    for (size_t i = 0; (v = r->header(r->ctx, name, nlen, i, &vlen)) != NULL; i++) {
        zd_trim_ows(&v, &vlen);
        if (i) zd_buf_append(out, ",", 1);
        bool space = false;
        for (size_t k = 0; k < vlen; k++) {
            if (v[k] == ' ' || v[k] == '\t') {
                space = true;
                continue;
            }
            if (space) zd_buf_append(out, " ", 1);
            space = false;
            zd_buf_append(out, v + k, 1);
        }
    }
    zd_buf_append(out, "\n", 1);
}

bool s3_sigv4_canonical_hash(const s3_sigv4_req *r, char hex[65])
{
    char path[ZD_MAX_KEY * 3 + 64];
    long plen = s3_pct_decode(r->path, r->path_len, path, sizeof path);
    if (plen < 0) return false;
    zd_buf b = {0};
    zd_buf_appendf(&b, "%s\n", r->method);
    s3_pct_encode(&b, path, (size_t)plen, true);
    zd_buf_append(&b, "\n", 1);
    bool ok = s3_canonical_query(r, &b);
    zd_buf_append(&b, "\n", 1);
    size_t start = 0, count = 0;
    const char *sh = r->signed_headers;
    for (size_t i = 0; ok && i <= r->signed_len; i++) { /* the signed headers, ';'-separated */
        if (i < r->signed_len && sh[i] != ';') continue;
        if (i == start || i - start > 128 || ++count > S3_SIGV4_MAX_SIGNED) ok = false;
        if (ok) s3_canonical_header(r, sh + start, i - start, &b);
        start = i + 1;
    }
    zd_buf_appendf(&b, "\n%.*s\n%s", (int)r->signed_len, sh, r->payload);
    ok = ok && b.data;
    if (ok) {
        uint8_t h[32];
        s3_sha256(b.data, b.len, h);
        s3_hex(h, 32, hex);
    }
    zd_buf_free(&b);
    return ok;
}

/* ---- keys and signatures ---- */

void s3_sigv4_key(const char *secret, const char *date, const char *region, size_t rlen,
                  uint8_t key[32])
{
    char k0[160];
    int klen = snprintf(k0, sizeof k0, "AWS4%s", secret);
    uint8_t k1[32], k2[32], k3[32];
    s3_hmac(k0, (size_t)klen < sizeof k0 ? (size_t)klen : sizeof k0 - 1, date, 8, k1);
    s3_hmac(k1, 32, region, rlen, k2);
    s3_hmac(k2, 32, "s3", 2, k3);
    s3_hmac(k3, 32, "aws4_request", 12, key);
    OPENSSL_cleanse(k0, sizeof k0);
}

void s3_sigv4_sign(const uint8_t key[32], const char *amz_date, const char *scope,
                   const char *canonical_hash, char out[65])
{
    char sts[512];
    int n =
        snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, canonical_hash);
    uint8_t mac[32];
    s3_hmac(key, 32, sts, (size_t)n < sizeof sts ? (size_t)n : sizeof sts - 1, mac);
    s3_hex(mac, 32, out);
}

void s3_sigv4_chunk(const uint8_t key[32], const char *amz_date, const char *scope,
                    const char *prev, const uint8_t hash[32], bool trailer, char out[65])
{
    static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    char hex[65], sts[512];
    s3_hex(hash, 32, hex);
    int n = trailer ? snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s",
                               amz_date, scope, prev, hex)
                    : snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s",
                               amz_date, scope, prev, empty, hex);
    uint8_t mac[32];
    s3_hmac(key, 32, sts, (size_t)n < sizeof sts ? (size_t)n : sizeof sts - 1, mac);
    s3_hex(mac, 32, out);
}
