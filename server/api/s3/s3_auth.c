/* s3_auth.c: AWS Signature Version 4 on S3 requests
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html), in
 * the Authorization header and in presigned URLs (X-Amz-* query parameters); the
 * computations are s3_sigv4.c's. The date must be within 15 minutes of the server's clock
 * (RequestTimeTooSkewed), a presigned URL within its X-Amz-Expires (at most 7 days). Any
 * region is accepted (zarrd has none; the signature covers the one the client chose).
 * Signing keys are cached per thread by (credential, day, region), as they change daily.
 * Signatures are compared in constant time; secrets and signatures are never logged. */
#include "s3_internal.h"

#include "s3_sigv4.h"

#include "zd_ctype.h"
#include "zd_httpdate.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S3_SIG_CACHE 8

/* ---- signing keys, cached per thread ---- */

typedef struct s3_sig_key {
    const s3_cred *cred;
    char day_region[80]; /* "YYYYMMDD/region" */
    uint8_t key[32];
} s3_sig_key;

static _Thread_local s3_sig_key s3_sig_cache[S3_SIG_CACHE];
static _Thread_local unsigned s3_sig_next;

static void s3_signing_key(const s3_cred *cred, const char *date, const char *region, size_t rlen,
                           uint8_t out[32])
{
    char dr[80] = {0}; /* the region is at most 64 bytes (s3_auth_check) */
    memcpy(dr, date, 8);
    dr[8] = '/';
    memcpy(dr + 9, region, rlen < sizeof dr - 10 ? rlen : sizeof dr - 10);
    for (unsigned i = 0; i < S3_SIG_CACHE; i++) {
        s3_sig_key *e = &s3_sig_cache[i];
        if (e->cred == cred && strcmp(e->day_region, dr) == 0) {
            memcpy(out, e->key, 32);
            return;
        }
    }
    s3_sigv4_key(cred->secret, date, region, rlen, out);
    s3_sig_key *e = &s3_sig_cache[s3_sig_next++ % S3_SIG_CACHE];
    e->cred = cred;
    memcpy(e->day_region, dr, sizeof dr);
    memcpy(e->key, out, 32);
}

/* The request's header fields for the canonical form. */
static const char *s3_conn_header(void *ctx, const char *name, size_t nlen, size_t i, size_t *vlen)
{
    cn_conn *c = ctx;
    for (size_t k = 0; k < c->req.nheaders; k++) {
        const cn_header *h = &c->req.headers[k];
        if (h->name_len != nlen || strncasecmp(c->arena + h->name, name, nlen) != 0) continue;
        if (i-- == 0) {
            *vlen = h->value_len;
            return c->arena + h->value;
        }
    }
    return NULL;
}

/* ---- the request's credentials ---- */

typedef struct s3_sigv4 {
    const char *cred; /* "AKID/DATE/REGION/s3/aws4_request" (decoded) */
    size_t cred_len;
    const char *signed_headers;
    size_t sh_len;
    const char *signature;
    size_t sig_len;
    char date[17];    /* X-Amz-Date */
    uint64_t expires; /* presigned: seconds */
} s3_sigv4;

/* Find `name=` in an Authorization header's comma-separated list. */
static const char *s3_auth_field(const char *h, size_t len, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    size_t i = 0;
    while (i < len) {
        while (i < len && (h[i] == ' ' || h[i] == ','))
            i++;
        size_t end = i;
        while (end < len && h[end] != ',')
            end++;
        if (end - i > nlen && memcmp(h + i, name, nlen) == 0 && h[i + nlen] == '=') {
            const char *v = h + i + nlen + 1;
            *vlen = end - (i + nlen + 1);
            while (*vlen > 0 && v[*vlen - 1] == ' ')
                (*vlen)--;
            return v;
        }
        i = end;
    }
    return NULL;
}

/* Seconds since the epoch of "YYYYMMDDTHHMMSSZ"; false if malformed. */
static bool s3_parse_amz_date(const char *s, size_t len, int64_t *t)
{
    if (len != 16 || s[8] != 'T' || s[15] != 'Z') return false;
    unsigned v[6];
    const int at[6] = {0, 4, 6, 9, 11, 13}, w[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < w[i]; k++) {
            if (!zd_is_digit((unsigned char)s[at[i] + k])) return false;
            v[i] = v[i] * 10 + (unsigned)(s[at[i] + k] - '0');
        }
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return false;
    *t = zd_days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
    return true;
}

/* Read the header form into sv; answers and returns false when malformed. */
static bool s3_auth_from_header(cn_conn *c, const char *h, size_t len, s3_sigv4 *sv)
{
    static const char alg[] = "AWS4-HMAC-SHA256 ";
    if (len < sizeof alg - 1 || memcmp(h, alg, sizeof alg - 1) != 0) {
        s3_error(c, S3E_INVALID_REQUEST,
                 "The authorization mechanism you have provided is not supported. Please use "
                 "AWS4-HMAC-SHA256.");
        return false;
    }
    h += sizeof alg - 1;
    len -= sizeof alg - 1;
    sv->cred = s3_auth_field(h, len, "Credential", &sv->cred_len);
    sv->signed_headers = s3_auth_field(h, len, "SignedHeaders", &sv->sh_len);
    sv->signature = s3_auth_field(h, len, "Signature", &sv->sig_len);
    size_t dlen;
    const char *d = cn_header_get(c, "x-amz-date", &dlen);
    if (!sv->cred || !sv->signed_headers || !sv->signature) {
        s3_error(c, S3E_AUTH_HEADER_MALFORMED,
                 "The authorization header is malformed; it needs Credential, SignedHeaders "
                 "and Signature.");
        return false;
    }
    if (!d || dlen != 16) {
        s3_error(c, S3E_ACCESS_DENIED,
                 "AWS authentication requires a valid x-amz-date header (YYYYMMDDTHHMMSSZ).");
        return false;
    }
    memcpy(sv->date, d, 16);
    sv->date[16] = '\0';
    return true;
}

/* Read the presigned form (X-Amz-* query parameters) into sv and the buffers. */
static bool s3_auth_from_query(cn_conn *c, s3_sigv4 *sv, char *cred, size_t ccap, char *sh,
                               size_t shcap, char *sig, size_t sigcap)
{
    char alg[32], exp[16];
    size_t n;
    if (s3_query(c, "X-Amz-Algorithm", alg, sizeof alg, &n) != 1 ||
        strcmp(alg, "AWS4-HMAC-SHA256") != 0) {
        s3_error(c, S3E_AUTH_QUERY_ERROR, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
        return false;
    }
    if (s3_query(c, "X-Amz-Credential", cred, ccap, &sv->cred_len) != 1 ||
        s3_query(c, "X-Amz-SignedHeaders", sh, shcap, &sv->sh_len) != 1 ||
        s3_query(c, "X-Amz-Signature", sig, sigcap, &sv->sig_len) != 1 ||
        s3_query(c, "X-Amz-Date", sv->date, sizeof sv->date, &n) != 1 || n != 16 ||
        s3_query(c, "X-Amz-Expires", exp, sizeof exp, &n) != 1) {
        s3_error(c, S3E_AUTH_QUERY_ERROR,
                 "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                 "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                 "X-Amz-Expires parameters.");
        return false;
    }
    sv->cred = cred;
    sv->signed_headers = sh;
    sv->signature = sig;
    char *end;
    unsigned long long e = strtoull(exp, &end, 10);
    if (!zd_is_digit((unsigned char)exp[0]) || *end || e < 1 || e > 604800) {
        s3_error(c, S3E_AUTH_QUERY_ERROR,
                 "X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days)");
        return false;
    }
    sv->expires = e;
    return true;
}

bool s3_auth_check(cn_conn *c, s3_req *q)
{
    s3_service *svc = s3_svc(c);
    s3_auth *a = &q->auth;
    *a = (s3_auth){0};
    size_t plen;
    const char *payload = cn_header_get(c, "x-amz-content-sha256", &plen);
    if (payload && plen < sizeof a->payload) {
        memcpy(a->payload, payload, plen);
        a->payload[plen] = '\0';
    }
    if (svc->keys.n == 0) return true; /* no --s3-keys: the embedded default */

    size_t hlen;
    const char *h = cn_header_get(c, "authorization", &hlen);
    s3_sigv4 sv = {0};
    char qcred[256], qsh[1024], qsig[80];
    if (h) {
        if (!s3_auth_from_header(c, h, hlen, &sv)) return false;
        if (!payload) {
            s3_error(c, S3E_INVALID_REQUEST,
                     "Missing required header for this request: x-amz-content-sha256");
            return false;
        }
    } else if (s3_query_has(c, "X-Amz-Signature") || s3_query_has(c, "X-Amz-Credential")) {
        if (!s3_auth_from_query(c, &sv, qcred, sizeof qcred, qsh, sizeof qsh, qsig, sizeof qsig))
            return false;
        a->presigned = true;
        strcpy(a->payload, "UNSIGNED-PAYLOAD");
    } else if (s3_query_has(c, "AWSAccessKeyId") || s3_query_has(c, "Signature")) {
        s3_error(c, S3E_INVALID_REQUEST,
                 "The authorization mechanism you have provided (Signature Version 2) is not "
                 "supported. Please use AWS4-HMAC-SHA256.");
        return false;
    } else {
        s3_error(c, S3E_ACCESS_DENIED, "Access Denied: this server requires signed requests.");
        return false;
    }

    /* Credential = AKID/DATE/REGION/s3/aws4_request */
    const char *cr = sv.cred, *end = sv.cred + sv.cred_len;
    const char *s1 = memchr(cr, '/', sv.cred_len);
    const char *s2 = s1 ? memchr(s1 + 1, '/', (size_t)(end - s1 - 1)) : NULL;
    const char *s3 = s2 ? memchr(s2 + 1, '/', (size_t)(end - s2 - 1)) : NULL;
    s3_err malformed = a->presigned ? S3E_AUTH_QUERY_ERROR : S3E_AUTH_HEADER_MALFORMED;
    if (!s3 || s2 - s1 != 9 || (size_t)(end - s3) != 16 ||
        memcmp(s3, "/s3/aws4_request", 16) != 0 || s3 - s2 - 1 < 1 || s3 - s2 - 1 > 64) {
        s3_error(c, malformed,
                 "The credential is malformed; expecting "
                 "\"<access key id>/<YYYYMMDD>/<region>/s3/aws4_request\".");
        return false;
    }
    a->cred = s3_keys_find(&svc->keys, cr, (size_t)(s1 - cr));
    if (!a->cred) {
        s3_error(c, S3E_INVALID_ACCESS_KEY,
                 "The AWS Access Key Id you provided does not exist in our records.");
        return false;
    }
    int64_t t;
    if (!s3_parse_amz_date(sv.date, 16, &t)) {
        s3_error(c, S3E_ACCESS_DENIED, "X-Amz-Date must be in the form YYYYMMDDTHHMMSSZ.");
        return false;
    }
    if (memcmp(s1 + 1, sv.date, 8) != 0) {
        s3_error(c, malformed, "Invalid credential date. Date is not the same as X-Amz-Date.");
        return false;
    }
    int64_t now = (int64_t)time(NULL);
    if (a->presigned && now > t + (int64_t)sv.expires) {
        s3_error(c, S3E_ACCESS_DENIED, "Request has expired");
        return false;
    }
    if (t > now + (int64_t)(S3_SKEW_NS / 1000000000) ||
        (!a->presigned && t < now - (int64_t)(S3_SKEW_NS / 1000000000))) {
        s3_error(c, S3E_TIME_SKEWED,
                 "The difference between the request time and the server's time is too large.");
        return false;
    }
    memcpy(a->amz_date, sv.date, 17);
    memcpy(a->scope, s1 + 1, (size_t)(end - s1 - 1)); /* at most 9 + 64 + 16 bytes */
    a->scope[end - s1 - 1] = '\0';
    s3_signing_key(a->cred, sv.date, s2 + 1, (size_t)(s3 - s2 - 1), a->signing_key);

    char chash[65];
    s3_sigv4_req sr = {.method = llhttp_method_name(c->req.method),
                       .path = c->req.path,
                       .path_len = c->req.path_len,
                       .query = c->req.query,
                       .query_len = c->req.query_len,
                       .signed_headers = sv.signed_headers,
                       .signed_len = sv.sh_len,
                       .payload = a->payload,
                       .header = s3_conn_header,
                       .ctx = c};
    if (!s3_sigv4_canonical_hash(&sr, chash)) {
        s3_error(c, malformed, "The request cannot be put in canonical form for signing.");
        return false;
    }
    s3_sigv4_sign(a->signing_key, a->amz_date, a->scope, chash, a->seed);
    if (sv.sig_len != 64 || CRYPTO_memcmp(a->seed, sv.signature, 64) != 0) {
        s3_error(c, S3E_SIGNATURE_MISMATCH,
                 "The request signature we calculated does not match the signature you "
                 "provided. Check your key and signing method.");
        return false;
    }
    return true;
}

void s3_auth_chunk_signature(const s3_auth *a, const char *prev, const uint8_t hash[32],
                             bool trailer, char out[65])
{
    s3_sigv4_chunk(a->signing_key, a->amz_date, a->scope, prev, hash, trailer, out);
}
