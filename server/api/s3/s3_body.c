/* s3_body.c: the filter every S3 request body passes through on its way to the store (or to a
 * bounded buffer, for XML bodies): it undoes aws-chunked framing (s3_chunked.c) and checks
 * everything the request says about its bytes before anything becomes visible:
 *
 *   x-amz-content-sha256: HEX       SHA-256 of the body      -> XAmzContentSHA256Mismatch
 *   STREAMING-AWS4-HMAC-SHA256-*    each chunk's signature   -> SignatureDoesNotMatch
 *   Content-MD5                     MD5 of the body          -> BadDigest (InvalidDigest)
 *   x-amz-checksum-ALG (header or aws-chunked trailer), ALG = crc32, crc32c, sha1, sha256
 *                                                            -> BadDigest (InvalidRequest)
 *   x-amz-decoded-content-length    the decoded length       -> IncompleteBody
 *
 * The MD5 is always computed: it is the object's ETag. The filter is an st_writer, so the
 * connection writes the body into it like into a store writer; it forwards the decoded bytes
 * at once (the store spools them to its temp file) and the handler commits only after
 * s3_body_end() has verified everything. A body that fails is dropped with the writer, so
 * nothing of it is ever stored. Chunk signatures are checked where --s3-keys gives the
 * secret; without it the framing is still undone and the checksums still verified. */
#include "s3_internal.h"

#include "s3_chunked.h"
#include "zd_crc32c.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef enum { CK_NONE, CK_CRC32, CK_CRC32C, CK_SHA1, CK_SHA256 } s3_ck_alg;

static const char *const s3_ck_names[] = {"", "crc32", "crc32c", "sha1", "sha256"};

typedef struct s3_body {
    st_writer base;
    cn_conn *c;
    st_writer *inner; /* the store writer, or NULL: collect into buf */
    zd_buf buf;
    uint64_t limit;
    uint64_t decoded;
    uint64_t decoded_expected; /* UINT64_MAX: not said */
    bool chunked;
    bool verify_chunks;  /* signed chunks and a secret to check them with */
    bool trailer_signed; /* STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER */
    bool chunk_open;
    bool has_content_md5;
    bool has_sha;
    s3_chunked dec;
    EVP_MD_CTX *md5, *sha, *chunk, *ck_md;
    uint32_t crc;
    s3_ck_alg ck;
    bool ck_in_trailer;
    bool ck_seen;
    uint8_t ck_expected[32];
    size_t ck_len;
    uint8_t content_md5[16];
    uint8_t sha_expected[32];
    uint8_t md5_out[16];
    char prev_sig[65], cur_sig[65];
    zd_buf trailer_canon; /* "name:value\n" of the trailers, for the trailer signature */
    char trailer_sig[65];
} s3_body;

/* Record why the body failed (answered later by s3_store_error) and return the code. */
static int s3_body_fail(s3_body *b, s3_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int s3_body_fail(s3_body *b, s3_err e, const char *fmt, ...)
{
    s3_req *q = s3_q(b->c);
    if (q->body_err == S3E_COUNT) {
        q->body_err = e;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(q->body_msg, sizeof q->body_msg, fmt, ap);
        va_end(ap);
    }
    return ZD_EINVAL;
}

/* Base64 (RFC 4648, padded) into out: its length, or -1. */
static long s3_b64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    if (len == 0 || len % 4 || len / 4 * 3 > cap + 2) return -1;
    uint8_t tmp[64];
    if (len / 4 * 3 > sizeof tmp) return -1;
    int n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
    if (n < 0) return -1;
    size_t pad = s[len - 1] == '=' ? (s[len - 2] == '=' ? 2 : 1) : 0;
    size_t got = (size_t)n - pad;
    if (got > cap) return -1;
    memcpy(out, tmp, got);
    return (long)got;
}

static size_t s3_ck_size(s3_ck_alg a)
{
    return a == CK_SHA1 ? 20 : a == CK_SHA256 ? 32 : 4;
}

/* ---- the bytes ---- */

static int s3_body_data(void *ctx, const uint8_t *p, size_t n)
{
    s3_body *b = ctx;
    b->decoded += n;
    if (b->decoded > b->limit)
        return s3_body_fail(b, S3E_ENTITY_TOO_LARGE,
                            "Your proposed upload exceeds the maximum allowed size (%llu bytes).",
                            (unsigned long long)b->limit);
    EVP_DigestUpdate(b->md5, p, n);
    if (b->has_sha) EVP_DigestUpdate(b->sha, p, n);
    if (b->verify_chunks) EVP_DigestUpdate(b->chunk, p, n);
    if (b->ck == CK_CRC32)
        b->crc = (uint32_t)crc32(b->crc, p, (uInt)n);
    else if (b->ck == CK_CRC32C)
        b->crc = zd_crc32c(b->crc, p, n);
    else if (b->ck != CK_NONE)
        EVP_DigestUpdate(b->ck_md, p, n);
    if (b->inner) return b->inner->write(b->inner, p, n);
    return zd_buf_append(&b->buf, p, n) ? ZD_ENOMEM : 0;
}

static int s3_body_chunk_begin(void *ctx, uint64_t size, const char *sig, size_t siglen)
{
    s3_body *b = ctx;
    (void)size;
    if (!b->verify_chunks) return 0;
    if (!sig || siglen != 64)
        return s3_body_fail(b, S3E_SIGNATURE_MISMATCH,
                            "aws-chunked: every chunk of a signed payload needs a "
                            "chunk-signature of 64 hex digits");
    memcpy(b->cur_sig, sig, 64);
    b->cur_sig[64] = '\0';
    EVP_DigestInit_ex(b->chunk, s3_md_sha256(), NULL);
    return 0;
}

static int s3_body_chunk_end(void *ctx)
{
    s3_body *b = ctx;
    if (!b->verify_chunks) return 0;
    uint8_t h[32];
    char want[65];
    EVP_DigestFinal_ex(b->chunk, h, NULL);
    s3_auth_chunk_signature(&s3_q(b->c)->auth, b->prev_sig, h, false, want);
    if (CRYPTO_memcmp(want, b->cur_sig, 64) != 0)
        return s3_body_fail(b, S3E_SIGNATURE_MISMATCH,
                            "aws-chunked: a chunk signature does not match its data");
    memcpy(b->prev_sig, b->cur_sig, 65);
    return 0;
}

static int s3_body_trailer(void *ctx, const char *name, size_t nlen, const char *v, size_t vlen)
{
    s3_body *b = ctx;
    if (nlen == 23 && zd_ascii_caseeq(name, nlen, "x-amz-trailer-signature")) {
        if (vlen != 64) return s3_body_fail(b, S3E_SIGNATURE_MISMATCH, "bad trailer signature");
        memcpy(b->trailer_sig, v, 64);
        b->trailer_sig[64] = '\0';
        return 0;
    }
    zd_buf_append(&b->trailer_canon, name, nlen);
    zd_buf_appendf(&b->trailer_canon, ":%.*s\n", (int)vlen, v);
    if (b->ck == CK_NONE || !b->ck_in_trailer) return 0;
    char want[32];
    snprintf(want, sizeof want, "x-amz-checksum-%s", s3_ck_names[b->ck]);
    if (nlen != strlen(want) || !zd_ascii_caseeq(name, nlen, want)) return 0;
    long n = s3_b64_decode(v, vlen, b->ck_expected, sizeof b->ck_expected);
    if (n != (long)s3_ck_size(b->ck))
        return s3_body_fail(b, S3E_INVALID_REQUEST, "Value for %s trailing header is invalid.",
                            want);
    b->ck_len = (size_t)n;
    b->ck_seen = true;
    return 0;
}

static const s3_chunked_ops s3_body_ops = {.data = s3_body_data,
                                           .chunk_begin = s3_body_chunk_begin,
                                           .chunk_end = s3_body_chunk_end,
                                           .trailer = s3_body_trailer};

static void s3_body_free(s3_body *b)
{
    if (b->inner) b->inner->abort(b->inner);
    EVP_MD_CTX_free(b->md5);
    EVP_MD_CTX_free(b->sha);
    EVP_MD_CTX_free(b->chunk);
    EVP_MD_CTX_free(b->ck_md);
    zd_buf_free(&b->buf);
    zd_buf_free(&b->trailer_canon);
    free(b);
}

static int s3_body_write(st_writer *w, const void *data, size_t len)
{
    s3_body *b = (s3_body *)w;
    if (!b->chunked) return s3_body_data(b, data, len);
    s3_chunked_ops ops = s3_body_ops;
    ops.ctx = b;
    zd_error err = {0};
    int rc = s3_chunked_feed(&b->dec, data, len, &ops, &err);
    if (rc == ZD_EINVAL && err.msg[0]) return s3_body_fail(b, S3E_INCOMPLETE_BODY, "%s", err.msg);
    return rc;
}

static void s3_body_abort(st_writer *w)
{
    s3_body_free((s3_body *)w);
}

static int s3_body_commit(st_writer *w, const st_precond *pc, st_result *res)
{
    (void)pc;
    (void)res;
    s3_body_free((s3_body *)w); /* never committed through the connection */
    return ZD_EINVAL;
}

/* ---- setting up from the headers ---- */

uint64_t s3_body_length(cn_conn *c)
{
    size_t n;
    const char *d = cn_header_get(c, "x-amz-decoded-content-length", &n);
    if (d) {
        uint64_t v;
        return zd_parse_u64(d, n, &v) ? v : UINT64_MAX;
    }
    return c->req.has_length && !c->req.chunked ? c->req.content_length : UINT64_MAX;
}

/* The checksum the request announces (x-amz-checksum-ALG header, or x-amz-trailer). */
static bool s3_body_checksum(cn_conn *c, s3_body *b)
{
    size_t n;
    const char *trailer = cn_header_get(c, "x-amz-trailer", &n);
    for (s3_ck_alg a = CK_CRC32; a <= CK_SHA256; a++) {
        char name[32];
        snprintf(name, sizeof name, "x-amz-checksum-%s", s3_ck_names[a]);
        size_t vlen;
        const char *v = cn_header_get(c, name, &vlen);
        bool in_trailer = trailer && n == strlen(name) && zd_ascii_caseeq(trailer, n, name);
        if (!v && !in_trailer) continue;
        b->ck = a;
        b->ck_in_trailer = !v;
        if (v) {
            long got = s3_b64_decode(v, vlen, b->ck_expected, sizeof b->ck_expected);
            if (got != (long)s3_ck_size(a)) {
                s3_error(c, S3E_INVALID_REQUEST, "Value for %s header is invalid.", name);
                return false;
            }
            b->ck_len = (size_t)got;
            b->ck_seen = true;
        }
        if (a == CK_SHA1 || a == CK_SHA256) {
            b->ck_md = EVP_MD_CTX_new();
            if (!b->ck_md) return false;
            EVP_DigestInit_ex(b->ck_md, a == CK_SHA1 ? s3_md_sha1() : s3_md_sha256(), NULL);
        }
        return true;
    }
    if (trailer || cn_header_get(c, "x-amz-checksum-crc64nvme", &n)) {
        s3_error(c, S3E_NOT_IMPLEMENTED,
                 "This checksum algorithm is not supported here; use CRC32, CRC32C, SHA1 or "
                 "SHA256.");
        return false;
    }
    return true;
}

/* The payload mode of x-amz-content-sha256. */
static bool s3_body_payload(cn_conn *c, s3_body *b)
{
    const s3_auth *a = &s3_q(c)->auth;
    const char *p = a->payload;
    if (!p[0] || strcmp(p, "UNSIGNED-PAYLOAD") == 0) return true;
    if (strcmp(p, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 0) {
        b->chunked = true;
        return true;
    }
    if (strcmp(p, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == 0 ||
        strcmp(p, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0) {
        b->chunked = true;
        b->trailer_signed = strstr(p, "TRAILER") != NULL;
        b->verify_chunks = a->cred != NULL;
        memcpy(b->prev_sig, a->seed, sizeof b->prev_sig);
        return true;
    }
    if (strncmp(p, "STREAMING-", 10) == 0) {
        s3_error(c, S3E_NOT_IMPLEMENTED, "x-amz-content-sha256: %s is not supported here", p);
        return false;
    }
    uint8_t h[32];
    bool hex = strlen(p) == 64;
    for (size_t i = 0; hex && i < 32; i++) {
        int hi = zd_hex_value((unsigned char)p[2 * i]),
            lo = zd_hex_value((unsigned char)p[2 * i + 1]);
        hex = hi >= 0 && lo >= 0;
        h[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!hex) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a SHA-256 in "
                 "hex.");
        return false;
    }
    memcpy(b->sha_expected, h, 32);
    b->has_sha = true;
    return true;
}

bool s3_body_begin(cn_conn *c, st_writer *w, uint64_t limit)
{
    s3_body *b = calloc(1, sizeof *b);
    if (!b || !(b->md5 = EVP_MD_CTX_new()) || !(b->sha = EVP_MD_CTX_new()) ||
        !(b->chunk = EVP_MD_CTX_new())) {
        if (b) s3_body_free(b);
        if (w) w->abort(w);
        s3_error(c, S3E_SERVICE_UNAVAILABLE, "out of memory");
        return false;
    }
    b->base = (st_writer){.write = s3_body_write, .commit = s3_body_commit, .abort = s3_body_abort};
    b->c = c;
    b->inner = w;
    b->limit = limit;
    b->decoded_expected = s3_body_length(c);
    EVP_DigestInit_ex(b->md5, s3_md_md5(), NULL);
    EVP_DigestInit_ex(b->sha, s3_md_sha256(), NULL);
    s3_chunked_init(&b->dec);
    size_t n;
    const char *md5 = cn_header_get(c, "content-md5", &n);
    bool ok = s3_body_payload(c, b) && s3_body_checksum(c, b);
    if (ok && md5) {
        ok = s3_b64_decode(md5, n, b->content_md5, 16) == 16;
        b->has_content_md5 = true;
        if (!ok) s3_error(c, S3E_INVALID_DIGEST, "The Content-MD5 you specified was invalid.");
    }
    if (ok && b->decoded_expected != UINT64_MAX && b->decoded_expected > limit) {
        ok = false;
        s3_error(c, S3E_ENTITY_TOO_LARGE,
                 "Your proposed upload exceeds the maximum allowed size (%llu bytes).",
                 (unsigned long long)limit);
    }
    const char *dlen = cn_header_get(c, "x-amz-decoded-content-length", &n);
    uint64_t v;
    if (ok && dlen && !zd_parse_u64(dlen, n, &v)) {
        ok = false;
        s3_error(c, S3E_INVALID_ARGUMENT, "x-amz-decoded-content-length must be a byte count.");
    }
    if (ok && b->chunked && !dlen && !c->req.chunked) {
        ok = false;
        s3_error(c, S3E_MISSING_CONTENT_LENGTH,
                 "aws-chunked bodies need x-amz-decoded-content-length.");
    }
    if (!ok) {
        s3_body_free(b);
        return false;
    }
    cn_body_to_writer(c, &b->base);
    return true;
}

/* ---- the end ---- */

static bool s3_body_verify(cn_conn *c, s3_body *b)
{
    s3_req *q = s3_q(c);
    if (q->body_err != S3E_COUNT) {
        s3_store_error(c, ZD_EINVAL, "");
        return false;
    }
    if (b->chunked && !s3_chunked_done(&b->dec)) {
        s3_error(c, S3E_INCOMPLETE_BODY, "aws-chunked: the body ended before its final chunk.");
        return false;
    }
    if (b->decoded_expected != UINT64_MAX && b->decoded != b->decoded_expected) {
        s3_error(c, S3E_INCOMPLETE_BODY,
                 "You did not provide the number of bytes specified by the Content-Length "
                 "HTTP header (%llu of %llu).",
                 (unsigned long long)b->decoded, (unsigned long long)b->decoded_expected);
        return false;
    }
    if (b->verify_chunks && b->trailer_signed) {
        uint8_t h[32];
        char want[65];
        EVP_Digest(b->trailer_canon.data ? b->trailer_canon.data : (uint8_t *)"",
                   b->trailer_canon.len, h, NULL, s3_md_sha256(), NULL);
        s3_auth_chunk_signature(&q->auth, b->prev_sig, h, true, want);
        if (!b->trailer_sig[0] || CRYPTO_memcmp(want, b->trailer_sig, 64) != 0) {
            s3_error(c, S3E_SIGNATURE_MISMATCH,
                     "aws-chunked: the trailer signature does not "
                     "match the trailing headers");
            return false;
        }
    }
    EVP_DigestFinal_ex(b->md5, b->md5_out, NULL);
    if (b->has_sha) {
        uint8_t h[32];
        EVP_DigestFinal_ex(b->sha, h, NULL);
        if (memcmp(h, b->sha_expected, 32) != 0) {
            s3_error(c, S3E_SHA256_MISMATCH,
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
            return false;
        }
    }
    if (b->has_content_md5 && memcmp(b->md5_out, b->content_md5, 16) != 0) {
        s3_error(c, S3E_BAD_DIGEST,
                 "The Content-MD5 you specified did not match what we "
                 "received.");
        return false;
    }
    if (b->ck != CK_NONE) {
        uint8_t got[32];
        if (b->ck == CK_CRC32 || b->ck == CK_CRC32C) {
            got[0] = (uint8_t)(b->crc >> 24); /* big-endian, as the SDKs encode it */
            got[1] = (uint8_t)(b->crc >> 16);
            got[2] = (uint8_t)(b->crc >> 8);
            got[3] = (uint8_t)b->crc;
        } else {
            EVP_DigestFinal_ex(b->ck_md, got, NULL);
        }
        if (!b->ck_seen) {
            s3_error(c, S3E_INVALID_REQUEST,
                     "x-amz-trailer names x-amz-checksum-%s but the "
                     "body carries no such trailer.",
                     s3_ck_names[b->ck]);
            return false;
        }
        if (memcmp(got, b->ck_expected, b->ck_len) != 0) {
            s3_error(c, S3E_BAD_DIGEST,
                     "The %s you specified did not match the calculated "
                     "checksum.",
                     s3_ck_names[b->ck]);
            return false;
        }
    }
    return true;
}

bool s3_body_end(cn_conn *c, uint8_t md5[16], st_writer **w_out, const zd_buf **out)
{
    s3_body *b = (s3_body *)c->req.writer;
    if (!b || b->base.write != s3_body_write) {
        s3_error(c, S3E_INTERNAL, "the request body was not routed through the S3 filter");
        return false;
    }
    if (!s3_body_verify(c, b)) return false; /* the connection frees b and its writer */
    if (md5) memcpy(md5, b->md5_out, 16);
    if (w_out) {
        *w_out = b->inner;
        b->inner = NULL;
    }
    if (out) *out = &b->buf;
    return true;
}
