/* s3_sigv4.c: the computations of AWS Signature Version 4 (see s3_sigv4.h). */
#include "s3_sigv4.h"

#include "zd_buf.h"
#include "zd_checked.h"
#include "zd_ctype.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S3_SIGV4_MAX_SIGNED 64 /* signed headers */

void s3_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The digests, fetched once: EVP_sha256() and HMAC() look the algorithm up in the provider
 * store on every call (under its lock), which costs more than hashing a string to sign. */
static EVP_MD *s3_mds[3];
static pthread_once_t s3_md_once = PTHREAD_ONCE_INIT;

static void s3_md_fetch(void)
{
    s3_mds[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    s3_mds[1] = EVP_MD_fetch(NULL, "MD5", NULL);
    s3_mds[2] = EVP_MD_fetch(NULL, "SHA1", NULL);
}

static const EVP_MD *s3_md(int i, const EVP_MD *fallback)
{
    pthread_once(&s3_md_once, s3_md_fetch);
    return s3_mds[i] ? s3_mds[i] : fallback;
}

const EVP_MD *s3_md_sha256(void)
{
    return s3_md(0, EVP_sha256());
}

const EVP_MD *s3_md_md5(void)
{
    return s3_md(1, EVP_md5());
}

const EVP_MD *s3_md_sha1(void)
{
    return s3_md(2, EVP_sha1());
}

static void s3_sha256(const void *data, size_t len, uint8_t out[32])
{
    EVP_Digest(data, len, out, NULL, s3_md_sha256(), NULL);
}

/* HMAC-SHA256 (RFC 2104) over the fetched digest. */
static void s3_hmac(const void *key, size_t klen, const void *data, size_t len, uint8_t out[32])
{
    enum { BLOCK = 64 };
    uint8_t k[BLOCK] = {0}, pad[BLOCK], inner[32];
    if (klen > BLOCK)
        s3_sha256(key, klen, k);
    else
        memcpy(k, key, klen);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        unsigned int n = 32;
        HMAC(EVP_sha256(), key, (int)klen, data, len, out, &n);
        return;
    }
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    EVP_DigestInit_ex(ctx, s3_md_sha256(), NULL);
    EVP_DigestUpdate(ctx, pad, BLOCK);
    EVP_DigestUpdate(ctx, data, len);
    EVP_DigestFinal_ex(ctx, inner, NULL);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    EVP_DigestInit_ex(ctx, s3_md_sha256(), NULL);
    EVP_DigestUpdate(ctx, pad, BLOCK);
    EVP_DigestUpdate(ctx, inner, sizeof inner);
    EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
}

long s3_pct_decode(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0, i = 0;
    if (cap == 0) return -2;
    while (i < len) {
        const char *pct = memchr(s + i, '%', len - i); /* copy the run up to it at once */
        size_t run = pct ? (size_t)(pct - (s + i)) : len - i;
        if (memchr(s + i, '\0', run)) return -1;
        if (run >= cap - n) return -2;
        memcpy(out + n, s + i, run);
        n += run;
        i += run;
        if (!pct) break;
        int hi = i + 2 < len ? zd_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? zd_hex_value((unsigned char)s[i + 2]) : -1;
        if (lo < 0 || (hi | lo) == 0) return -1; /* malformed, or a NUL */
        if (n + 1 >= cap) return -2;
        out[n++] = (char)(hi << 4 | lo);
        i += 3;
    }
    out[n] = '\0';
    return (long)n;
}

/* The bytes S3 leaves unencoded: A-Z a-z 0-9 - _ . ~ */
static bool s3_unreserved(unsigned char ch)
{
    static const uint32_t bits[8] = {0, 0x03ff6000, 0x87fffffe, 0x47fffffe};
    return bits[ch >> 5] >> (ch & 31) & 1;
}

int s3_pct_encode(zd_buf *out, const char *s, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t room;
    if (!zd_mul_size(len, 3, &room)) return ZD_EOVERFLOW;
    int rc = zd_buf_reserve(out, room);
    if (rc) return rc;
    char *o = (char *)out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (s3_unreserved(ch) || (keep_slash && ch == '/')) {
            *o++ = (char)ch;
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    out->len = (size_t)(o - (char *)out->data);
    return 0;
}

/* ---- canonical request ---- */

/* A query parameter, strictly re-encoded: offsets into one buffer of NUL-terminated strings
 * while they are made, then pointers into it for the sort. */
typedef struct s3_qparam {
    size_t name_at, value_at;
    const char *name, *value;
} s3_qparam;

static int s3_qparam_cmp(const void *a, const void *b)
{
    const s3_qparam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Append s[0..len) decoded and strictly re-encoded, NUL-terminated, to enc; false if
 * malformed or out of memory. */
static bool s3_reencode(zd_buf *enc, const char *s, size_t len)
{
    char dec[ZD_MAX_KEY * 3 + 1];
    long n = s3_pct_decode(s, len, dec, sizeof dec);
    return n >= 0 && s3_pct_encode(enc, dec, (size_t)n, false) == 0 &&
           zd_buf_append(enc, "", 1) == 0;
}

/* The canonical query: every parameter but X-Amz-Signature, re-encoded, sorted. */
static bool s3_canonical_query(const s3_sigv4_req *r, zd_buf *out)
{
    const char *q = r->query;
    size_t len = r->query_len, n = 0, i = 0;
    s3_qparam v[S3_MAX_QUERY_PARAMS];
    zd_buf enc = {0};
    bool ok = zd_buf_reserve(&enc, 3 * len + 2 * S3_MAX_QUERY_PARAMS) == 0; /* all it needs */
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
        if (n == S3_MAX_QUERY_PARAMS) {
            ok = false;
            break;
        }
        size_t at = enc.len;
        v[n].name_at = at;
        ok = s3_reencode(&enc, name, nlen);
        v[n].value_at = enc.len;
        ok = ok && s3_reencode(&enc, val, vlen);
        if (ok && strcmp((char *)enc.data + at, "X-Amz-Signature") == 0)
            enc.len = at; /* not part of what was signed */
        else
            n++;
    }
    for (size_t k = 0; ok && k < n; k++) {
        v[k].name = (char *)enc.data + v[k].name_at;
        v[k].value = (char *)enc.data + v[k].value_at;
    }
    if (ok) qsort(v, n, sizeof *v, s3_qparam_cmp);
    for (size_t k = 0; ok && k < n; k++) {
        size_t nl = strlen(v[k].name), vl = strlen(v[k].value);
        ok = (!k || zd_buf_append(out, "&", 1) == 0) && zd_buf_append(out, v[k].name, nl) == 0 &&
             zd_buf_append(out, "=", 1) == 0 && zd_buf_append(out, v[k].value, vl) == 0;
    }
    zd_buf_free(&enc);
    return ok;
}

/* Append "name:value\n" for a signed header: every field of that name, trimmed, inner runs
 * of spaces folded, joined with ','. False when out of memory. */
static bool s3_canonical_header(const s3_sigv4_req *r, const char *name, size_t nlen, zd_buf *out)
{
    if (zd_buf_append(out, name, nlen) || zd_buf_append(out, ":", 1)) return false;
    const char *v;
    size_t vlen;
    for (size_t i = 0; (v = r->header(r->ctx, name, nlen, i, &vlen)) != NULL; i++) {
        zd_trim_ows(&v, &vlen);
        if (zd_buf_reserve(out, vlen + 1)) return false;
        char *o = (char *)out->data + out->len;
        if (i) *o++ = ',';
        bool space = false;
        for (size_t k = 0; k < vlen; k++) {
            if (v[k] == ' ' || v[k] == '\t') {
                space = true;
                continue;
            }
            if (space) *o++ = ' ';
            space = false;
            *o++ = v[k];
        }
        out->len = (size_t)(o - (char *)out->data);
    }
    return zd_buf_append(out, "\n", 1) == 0;
}

bool s3_sigv4_canonical_hash(const s3_sigv4_req *r, char hex[65])
{
    char path[ZD_MAX_KEY * 3 + 64];
    long plen = s3_pct_decode(r->path, r->path_len, path, sizeof path);
    if (plen < 0) return false;
    zd_buf b = {0};
    bool ok = zd_buf_reserve(&b, 1024 + 3 * ((size_t)plen + r->query_len)) == 0 &&
              zd_buf_append_str(&b, r->method) == 0 && zd_buf_append(&b, "\n", 1) == 0 &&
              s3_pct_encode(&b, path, (size_t)plen, true) == 0 && zd_buf_append(&b, "\n", 1) == 0 &&
              s3_canonical_query(r, &b) && zd_buf_append(&b, "\n", 1) == 0;
    size_t start = 0, count = 0;
    const char *sh = r->signed_headers;
    for (size_t i = 0; ok && i <= r->signed_len; i++) { /* the signed headers, ';'-separated */
        if (i < r->signed_len && sh[i] != ';') continue;
        if (i == start || i - start > 128 || ++count > S3_SIGV4_MAX_SIGNED) ok = false;
        ok = ok && s3_canonical_header(r, sh + start, i - start, &b);
        start = i + 1;
    }
    ok = ok && zd_buf_append(&b, "\n", 1) == 0 && zd_buf_append(&b, sh, r->signed_len) == 0 &&
         zd_buf_append(&b, "\n", 1) == 0 && zd_buf_append_str(&b, r->payload) == 0;
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

/* Append s to the string being built at *o, within end (truncating). */
static void s3_cat(char **o, const char *end, const char *s, size_t n)
{
    size_t room = (size_t)(end - *o);
    n = n < room ? n : room;
    memcpy(*o, s, n);
    *o += n;
}

/* HMAC(key, the lines joined with '\n') as hex: a string to sign and its signature. */
static void s3_sign_lines(const uint8_t key[32], const char *const *lines, size_t n, char out[65])
{
    char sts[512], *o = sts;
    const char *end = sts + sizeof sts;
    for (size_t i = 0; i < n; i++) {
        if (i) s3_cat(&o, end, "\n", 1);
        s3_cat(&o, end, lines[i], strlen(lines[i]));
    }
    uint8_t mac[32];
    s3_hmac(key, 32, sts, (size_t)(o - sts), mac);
    s3_hex(mac, 32, out);
}

void s3_sigv4_sign(const uint8_t key[32], const char *amz_date, const char *scope,
                   const char *canonical_hash, char out[65])
{
    const char *lines[] = {"AWS4-HMAC-SHA256", amz_date, scope, canonical_hash};
    s3_sign_lines(key, lines, 4, out);
}

void s3_sigv4_chunk(const uint8_t key[32], const char *amz_date, const char *scope,
                    const char *prev, const uint8_t hash[32], bool trailer, char out[65])
{
    static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    char hex[65];
    s3_hex(hash, 32, hex);
    if (trailer) {
        const char *lines[] = {"AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev, hex};
        s3_sign_lines(key, lines, 5, out);
    } else {
        const char *lines[] = {"AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hex};
        s3_sign_lines(key, lines, 6, out);
    }
}
