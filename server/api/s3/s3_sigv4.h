/* s3_sigv4.h: the computations of AWS Signature Version 4 for S3, with no HTTP connection
 * in sight (s3_auth.c applies them to requests; tests check them against AWS's published
 * examples):
 *
 *   canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH
 *   string to sign    = AWS4-HMAC-SHA256 \n X-AMZ-DATE \n SCOPE \n hex(SHA256(canonical))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" SECRET, DATE), REGION), "s3"),
 *                            "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * URI and query are rebuilt from their decoded form with S3's strict encoding (unreserved
 * characters kept, everything else %XX, '/' kept in the path; the query sorted, without
 * X-Amz-Signature), so a client that encodes more or less than it must still meets the same
 * canonical form. Header values are trimmed and inner runs of spaces folded; several fields
 * of one name are joined with ','. libcrypto does SHA-256 and HMAC. */
#ifndef ZS_S3_SIGV4_H
#define ZS_S3_SIGV4_H

#include "zd_buf.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Query parameters a request may have (a signed query string, or any S3 request). */
#define S3_MAX_QUERY_PARAMS 100

/* A request as the canonical form needs it. header() returns the i-th field named
 * name[0..nlen) (case-insensitively), or NULL past the last. */
typedef struct s3_sigv4_req {
    const char *method;
    const char *path; /* as sent, %-encoded, up to '?' */
    size_t path_len;
    const char *query; /* as sent, after '?' */
    size_t query_len;
    const char *signed_headers; /* "host;x-amz-date;..." */
    size_t signed_len;
    const char *payload; /* x-amz-content-sha256 (or UNSIGNED-PAYLOAD) */
    const char *(*header)(void *ctx, const char *name, size_t nlen, size_t i, size_t *vlen);
    void *ctx;
} s3_sigv4_req;

/* The digests, fetched from libcrypto's providers once (EVP_sha256() and friends look them
 * up on every use). */
const EVP_MD *s3_md_sha256(void);
const EVP_MD *s3_md_md5(void);
const EVP_MD *s3_md_sha1(void);

/* Hex (lower case) of n bytes into out (2n + 1). */
void s3_hex(const uint8_t *p, size_t n, char *out);

/* SHA-256 (hex) of the canonical request; false when it cannot be formed (a malformed
 * %-escape, a NUL, too many parameters or signed headers). */
bool s3_sigv4_canonical_hash(const s3_sigv4_req *r, char hex[65]);

/* The signing key of secret for the day (date: "YYYYMMDD...") and region. */
void s3_sigv4_key(const char *secret, const char *date, const char *region, size_t rlen,
                  uint8_t key[32]);

/* hex(HMAC(key, "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" canonical_hash)). */
void s3_sigv4_sign(const uint8_t key[32], const char *amz_date, const char *scope,
                   const char *canonical_hash, char out[65]);

/* A chunk's signature in an aws-chunked body (prev: the previous signature, the request's
 * first; hash: SHA-256 of the chunk's data), or with trailer the signature of the trailing
 * headers (hash: SHA-256 of their "name:value\n" lines). */
void s3_sigv4_chunk(const uint8_t key[32], const char *amz_date, const char *scope,
                    const char *prev, const uint8_t hash[32], bool trailer, char out[65]);

/* Percent-decode s[0..len) into out (cap bytes, NUL-terminated): its length, -1 for a
 * malformed escape or a NUL, -2 when it does not fit. '+' stays a '+'. */
long s3_pct_decode(const char *s, size_t len, char *out, size_t cap);

/* Append s[0..len) %-encoded as S3 does (A-Z a-z 0-9 - _ . ~ kept, everything else %XX in
 * upper-case hex; keep_slash keeps '/'): SigV4's canonical form and encoding-type=url.
 * 0, or ZD_ENOMEM / ZD_EOVERFLOW. */
int s3_pct_encode(zd_buf *out, const char *s, size_t len, bool keep_slash);

#endif
