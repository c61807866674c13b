/* test_s3_protocol.c: the S3 listener byte by byte, where a protocol detail needs precise
 * bytes: requests are built and signed here (s3_sigv4.c, checked against AWS's published
 * examples in test_s3_sigv4.c) and sent over a raw socket to a real zarrd with --s3-listen
 * and --s3-keys, on both stores. Every bad input must get the right S3 error (code and
 * status, XML body) and leave nothing stored: wrong and missing signatures, skewed clocks,
 * expired and premature presigned URLs, payload hash and checksum mismatches, aws-chunked
 * bodies with a forged chunk signature, a missing final chunk or broken framing, malformed
 * XML, oversize parts refused before their body, unknown upload ids, keys the tree cannot
 * hold; and the good cases of the same framings store exactly their bytes. */
#include <criterion/criterion.h>

#include "s3_sigv4.h"
#include "zt_fixture.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define AKID   "AKIAPROTOCOLTEST"
#define SECRET "protocol-secret"

static void start(void)
{
    static char keyfile[PATH_MAX];
    snprintf(keyfile, sizeof keyfile, "%s/s3keys-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    FILE *f = fopen(keyfile, "w");
    cr_assert(f);
    fprintf(f, "%s %s rw\n", AKID, SECRET);
    fclose(f);
    zt_fixture_start_args((const char *[]){"--s3-listen", "127.0.0.1:0", "--s3-keys", keyfile,
                                           "--s3-domain", "s3.test", "--cors-origin",
                                           "http://viewer.test", NULL});
    unlink(keyfile); /* read once, at start-up */
    cr_assert_gt(zt_srv()->s3_port, 0, "no s3 listening line");
}

TestSuite(s3_protocol, .init = start, .fini = zt_fixture_stop, .timeout = 120);

/* ---- building signed requests ---- */

typedef struct req {
    const char *method;
    char target[2048]; /* path?query, as sent */
    const char *hnames[16];
    char hvalues[16][512];
    size_t nh;
    const void *body;
    size_t len;
} req;

static void req_init(req *r, const char *method, const char *target)
{
    memset(r, 0, sizeof *r);
    r->method = method;
    snprintf(r->target, sizeof r->target, "%s", target);
}

static void req_header(req *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->hnames[r->nh] = name;
    vsnprintf(r->hvalues[r->nh++], sizeof r->hvalues[0], fmt, ap);
    va_end(ap);
}

static const char *req_lookup(void *ctx, const char *name, size_t nlen, size_t i, size_t *vlen)
{
    req *r = ctx;
    for (size_t k = 0; k < r->nh; k++)
        if (strlen(r->hnames[k]) == nlen && strncasecmp(r->hnames[k], name, nlen) == 0 &&
            i-- == 0) {
            *vlen = strlen(r->hvalues[k]);
            return r->hvalues[k];
        }
    return NULL;
}

static void amz_date(time_t t, char out[17])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    uint8_t h[32];
    EVP_Digest(p, n, h, NULL, EVP_sha256(), NULL);
    s3_hex(h, 32, out);
}

/* Sign r (its Host, x-amz-date and x-amz-content-sha256 added) at time t with secret; the
 * request's seed signature into seed (may be NULL). */
static void req_sign(req *r, time_t t, const char *secret, const char *payload, char *seed)
{
    char date[17], hash[65];
    size_t vlen;
    amz_date(t, date);
    if (!req_lookup(r, "host", 4, 0, &vlen))
        req_header(r, "Host", "127.0.0.1:%d", zt_srv()->s3_port);
    req_header(r, "x-amz-content-sha256", "%s", payload);
    req_header(r, "x-amz-date", "%s", date);
    char signed_h[512] = "";
    /* signed headers: every header so far, lower case, sorted */
    const char *names[16];
    for (size_t i = 0; i < r->nh; i++)
        names[i] = r->hnames[i];
    for (size_t i = 0; i < r->nh; i++)
        for (size_t j = i + 1; j < r->nh; j++)
            if (strcasecmp(names[j], names[i]) < 0) {
                const char *x = names[i];
                names[i] = names[j];
                names[j] = x;
            }
    for (size_t i = 0; i < r->nh; i++) {
        if (i) strcat(signed_h, ";");
        size_t at = strlen(signed_h);
        for (const char *c = names[i]; *c; c++)
            signed_h[at++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        signed_h[at] = '\0';
    }
    const char *q = strchr(r->target, '?');
    s3_sigv4_req sr = {.method = r->method,
                       .path = r->target,
                       .path_len = q ? (size_t)(q - r->target) : strlen(r->target),
                       .query = q ? q + 1 : "",
                       .query_len = q ? strlen(q + 1) : 0,
                       .signed_headers = signed_h,
                       .signed_len = strlen(signed_h),
                       .payload = payload,
                       .header = req_lookup,
                       .ctx = r};
    cr_assert(s3_sigv4_canonical_hash(&sr, hash));
    uint8_t key[32];
    s3_sigv4_key(secret, date, "us-east-1", 9, key);
    char scope[64], sig[65];
    snprintf(scope, sizeof scope, "%.8s/us-east-1/s3/aws4_request", date);
    s3_sigv4_sign(key, date, scope, hash, sig);
    if (seed) strcpy(seed, sig);
    req_header(r, "Authorization",
               "AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s", AKID, scope,
               signed_h, sig);
}

/* Send r (its headers exactly, Content-Length for a body) and read the answer. */
static void req_send(req *r, zt_response *out)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open(&c, "127.0.0.1", zt_srv()->s3_port), 0);
    zd_buf h = {0};
    size_t vlen;
    zd_buf_appendf(&h, "%s %s HTTP/1.1\r\n", r->method, r->target);
    if (!req_lookup(r, "host", 4, 0, &vlen))
        zd_buf_appendf(&h, "Host: 127.0.0.1:%d\r\n", zt_srv()->s3_port);
    for (size_t i = 0; i < r->nh; i++)
        zd_buf_appendf(&h, "%s: %s\r\n", r->hnames[i], r->hvalues[i]);
    if (r->body || strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0)
        zd_buf_appendf(&h, "Content-Length: %zu\r\n", r->len);
    zd_buf_append(&h, "\r\n", 2);
    if (r->len) zd_buf_append(&h, r->body, r->len);
    cr_assert_eq(zt_send(&c, h.data, h.len), 0);
    cr_assert_eq(zt_read_response(&c, out, strcmp(r->method, "HEAD") == 0), 0);
    zd_buf_free(&h);
    zt_conn_close(&c);
}

/* A signed request with a literal body and the SHA-256 of it as payload hash. */
static void signed_put(const char *target, const void *body, size_t len, const char *secret,
                       zt_response *out)
{
    req r;
    char hash[65];
    req_init(&r, "PUT", target);
    sha256_hex(body, len, hash);
    req_sign(&r, time(NULL), secret, hash, NULL);
    r.body = body;
    r.len = len;
    req_send(&r, out);
}

static void signed_do(const char *method, const char *target, zt_response *out)
{
    req r;
    req_init(&r, method, target);
    req_sign(&r, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    req_send(&r, out);
}

/* Assert an S3 error answer: status, and the XML's Code. */
static void expect_s3_error(zt_response *r, int status, const char *code)
{
    char want[128];
    snprintf(want, sizeof want, "<Code>%s</Code>", code);
    const char *body = r->body.data ? (const char *)r->body.data : "";
    cr_assert_eq(r->status, status, "want %d %s, got %d: %.*s", status, code, r->status,
                 (int)r->body.len, body);
    cr_assert(r->body.len && memmem(r->body.data, r->body.len, want, strlen(want)),
              "want %s in: %.*s", want, (int)r->body.len, body);
    const char *ct = zt_header(r, "Content-Type");
    cr_assert(ct && strcmp(ct, "application/xml") == 0, "error Content-Type %s", ct ? ct : "none");
    cr_assert(zt_header(r, "x-amz-request-id"), "no x-amz-request-id");
    zt_response_free(r);
}

/* The object is absent (404) through S3. */
static void expect_absent(const char *target)
{
    zt_response r;
    signed_do("GET", target, &r);
    expect_s3_error(&r, 404, "NoSuchKey");
}

static void expect_value(const char *target, const void *data, size_t len)
{
    zt_response r;
    signed_do("GET", target, &r);
    cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
    cr_assert_eq(r.body.len, len, "GET %s: %zu bytes, want %zu", target, r.body.len, len);
    cr_assert_eq(memcmp(r.body.data, data, len), 0, "GET %s: bytes differ", target);
    zt_response_free(&r);
}

static void make_bucket(void)
{
    zt_response r;
    signed_do("PUT", "/bkt", &r);
    cr_assert_eq(r.status, 200, "CreateBucket: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    zt_response_free(&r);
}

/* ---- signatures and clocks ---- */

Test(s3_protocol, signatures_and_clocks)
{
    make_bucket();
    zt_response r;
    signed_put("/bkt/k", "v", 1, "not-the-secret", &r);
    expect_s3_error(&r, 403, "SignatureDoesNotMatch");
    expect_absent("/bkt/k");
    /* unsigned */
    req q;
    req_init(&q, "PUT", "/bkt/k");
    q.body = "v";
    q.len = 1;
    req_send(&q, &r);
    expect_s3_error(&r, 403, "AccessDenied");
    /* a clock 20 minutes ahead, and 20 behind */
    for (int sign = -1; sign <= 1; sign += 2) {
        req_init(&q, "PUT", "/bkt/k");
        req_sign(&q, time(NULL) + sign * 1200, SECRET, "UNSIGNED-PAYLOAD", NULL);
        q.body = "v";
        q.len = 1;
        req_send(&q, &r);
        expect_s3_error(&r, 403, "RequestTimeTooSkewed");
    }
    expect_absent("/bkt/k");
    /* a signed header changed after signing */
    req_init(&q, "PUT", "/bkt/k");
    req_header(&q, "x-amz-meta-a", "1");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    strcpy(q.hvalues[0], "2");
    q.body = "v";
    q.len = 1;
    req_send(&q, &r);
    expect_s3_error(&r, 403, "SignatureDoesNotMatch");
    /* the key of another request */
    req_init(&q, "PUT", "/bkt/k");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    strcpy(q.target, "/bkt/other");
    q.body = "v";
    q.len = 1;
    req_send(&q, &r);
    expect_s3_error(&r, 403, "SignatureDoesNotMatch");
    expect_absent("/bkt/other");
    /* an unknown access key, a malformed credential, version 2 */
    req_init(&q, "GET", "/bkt/k");
    req_header(&q, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    req_header(&q, "x-amz-date", "20300101T000000Z");
    req_header(&q, "Authorization",
               "AWS4-HMAC-SHA256 Credential=AKIANOBODY/20300101/us-east-1/s3/aws4_request,"
               "SignedHeaders=host,Signature=%064d",
               0);
    req_send(&q, &r);
    expect_s3_error(&r, 403, "InvalidAccessKeyId");
    strcpy(q.hvalues[2],
           "AWS4-HMAC-SHA256 Credential=" AKID "/2030/us-east-1/s3,SignedHeaders=host,"
           "Signature=00");
    req_send(&q, &r);
    expect_s3_error(&r, 400, "AuthorizationHeaderMalformed");
    strcpy(q.hvalues[2], "AWS " AKID ":c2lnbmF0dXJl");
    req_send(&q, &r);
    expect_s3_error(&r, 400, "InvalidRequest");
    /* and the good request works */
    signed_put("/bkt/k", "v", 1, SECRET, &r);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    expect_value("/bkt/k", "v", 1);
}

/* A presigned URL for GET of target, dated t, valid for expires seconds. */
static void presign(const char *target, time_t t, int expires, char *out, size_t cap)
{
    char date[17], hash[65], scope[64], sig[65];
    amz_date(t, date);
    snprintf(scope, sizeof scope, "%.8s/us-east-1/s3/aws4_request", date);
    char query[512];
    snprintf(query, sizeof query,
             "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s%%2F%.8s%%2Fus-east-1%%2Fs3%%2F"
             "aws4_request&X-Amz-Date=%s&X-Amz-Expires=%d&X-Amz-SignedHeaders=host",
             AKID, date, date, expires);
    req r;
    req_init(&r, "GET", target);
    req_header(&r, "Host", "127.0.0.1:%d", zt_srv()->s3_port);
    s3_sigv4_req sr = {.method = "GET",
                       .path = target,
                       .path_len = strlen(target),
                       .query = query,
                       .query_len = strlen(query),
                       .signed_headers = "host",
                       .signed_len = 4,
                       .payload = "UNSIGNED-PAYLOAD",
                       .header = req_lookup,
                       .ctx = &r};
    cr_assert(s3_sigv4_canonical_hash(&sr, hash));
    uint8_t key[32];
    s3_sigv4_key(SECRET, date, "us-east-1", 9, key);
    s3_sigv4_sign(key, date, scope, hash, sig);
    snprintf(out, cap, "%s?%s&X-Amz-Signature=%s", target, query, sig);
}

Test(s3_protocol, presigned_urls)
{
    make_bucket();
    zt_response r;
    signed_put("/bkt/p", "presigned", 9, SECRET, &r);
    zt_response_free(&r);
    char url[1024];
    presign("/bkt/p", time(NULL), 300, url, sizeof url);
    req q;
    req_init(&q, "GET", url);
    req_send(&q, &r);
    cr_assert_eq(r.status, 200, "presigned GET: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    cr_assert_eq(r.body.len, 9);
    zt_response_free(&r);
    /* expired: dated two hours ago, valid for a minute */
    presign("/bkt/p", time(NULL) - 7200, 60, url, sizeof url);
    req_init(&q, "GET", url);
    req_send(&q, &r);
    cr_assert(memmem(r.body.data, r.body.len, "expired", 7), "no 'expired' message");
    expect_s3_error(&r, 403, "AccessDenied");
    /* not valid yet: dated 20 minutes ahead */
    presign("/bkt/p", time(NULL) + 1200, 3600, url, sizeof url);
    req_init(&q, "GET", url);
    req_send(&q, &r);
    expect_s3_error(&r, 403, "RequestTimeTooSkewed");
    /* a forged signature, an expiry beyond 7 days */
    presign("/bkt/p", time(NULL), 300, url, sizeof url);
    url[strlen(url) - 1] = url[strlen(url) - 1] == '0' ? '1' : '0';
    req_init(&q, "GET", url);
    req_send(&q, &r);
    expect_s3_error(&r, 403, "SignatureDoesNotMatch");
    presign("/bkt/p", time(NULL), 604801, url, sizeof url);
    req_init(&q, "GET", url);
    req_send(&q, &r);
    expect_s3_error(&r, 400, "AuthorizationQueryParametersError");
}

/* ---- bodies ---- */

Test(s3_protocol, payload_hash_and_digests)
{
    make_bucket();
    zt_response r;
    req q;
    char hash[65];
    /* a declared SHA-256 that the body does not have */
    req_init(&q, "PUT", "/bkt/h");
    sha256_hex("other", 5, hash);
    req_sign(&q, time(NULL), SECRET, hash, NULL);
    q.body = "value";
    q.len = 5;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "XAmzContentSHA256Mismatch");
    expect_absent("/bkt/h");
    /* a wrong CRC32 header */
    req_init(&q, "PUT", "/bkt/h");
    req_header(&q, "x-amz-checksum-crc32", "AAAAAA==");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    q.body = "value";
    q.len = 5;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "BadDigest");
    expect_absent("/bkt/h");
    /* a malformed one, and an algorithm not supported */
    req_init(&q, "PUT", "/bkt/h");
    req_header(&q, "x-amz-checksum-crc32", "not base64");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    q.body = "value";
    q.len = 5;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "InvalidRequest");
    /* the right CRC32 (big-endian, base64) is accepted */
    uLong crc = crc32(0, (const Bytef *)"value", 5);
    uint8_t be[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    char b64[16];
    EVP_EncodeBlock((unsigned char *)b64, be, 4);
    req_init(&q, "PUT", "/bkt/h");
    req_header(&q, "x-amz-checksum-crc32", "%s", b64);
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    q.body = "value";
    q.len = 5;
    req_send(&q, &r);
    cr_assert_eq(r.status, 200, "%.*s", (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
    expect_value("/bkt/h", "value", 5);
}

/* An aws-chunked body of data in chunks of `chunk` bytes, signed from seed (or unsigned with
 * a CRC32 trailer: trailer_crc != NULL); corrupt: 1 flips a data byte after signing, 2 drops
 * the final chunk, 3 breaks a CRLF. */
static size_t chunked_body(char *out, const char *data, size_t len, size_t chunk, const char *seed,
                           time_t t, const char *trailer_crc, int corrupt)
{
    char date[17], scope[64], prev[65], sig[65];
    amz_date(t, date);
    snprintf(scope, sizeof scope, "%.8s/us-east-1/s3/aws4_request", date);
    uint8_t key[32];
    s3_sigv4_key(SECRET, date, "us-east-1", 9, key);
    if (seed) strcpy(prev, seed);
    size_t n = 0;
    for (size_t off = 0;; off += chunk) {
        size_t c = off >= len ? 0 : len - off < chunk ? len - off : chunk;
        if (c == 0 && corrupt == 2) break;
        if (seed) {
            uint8_t h[32];
            EVP_Digest(data + off, c, h, NULL, EVP_sha256(), NULL);
            s3_sigv4_chunk(key, date, scope, prev, h, false, sig);
            strcpy(prev, sig);
            n += (size_t)sprintf(out + n, "%zx;chunk-signature=%s\r\n", c, sig);
        } else {
            n += (size_t)sprintf(out + n, "%zx\r\n", c);
        }
        memcpy(out + n, data + off, c);
        if (corrupt == 1 && off == 0) out[n] ^= 1;
        n += c;
        if (c == 0) break;
        n += (size_t)sprintf(out + n, corrupt == 3 ? "\n" : "\r\n");
    }
    if (corrupt != 2) {
        if (trailer_crc) n += (size_t)sprintf(out + n, "x-amz-checksum-crc32:%s\r\n", trailer_crc);
        n += (size_t)sprintf(out + n, "\r\n");
    }
    return n;
}

static void chunked_put(const char *target, const char *data, size_t len, bool sign_chunks,
                        const char *crc, int corrupt, zt_response *r)
{
    static char body[1 << 18];
    req q;
    char seed[65];
    time_t t = time(NULL);
    req_init(&q, "PUT", target);
    req_header(&q, "Content-Encoding", "aws-chunked");
    req_header(&q, "x-amz-decoded-content-length", "%zu", len);
    if (crc) req_header(&q, "x-amz-trailer", "x-amz-checksum-crc32");
    req_sign(&q, t, SECRET,
             sign_chunks ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
                         : "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
             seed);
    q.len = chunked_body(body, data, len, 8192, sign_chunks ? seed : NULL, t, crc, corrupt);
    q.body = body;
    req_send(&q, r);
}

Test(s3_protocol, aws_chunked_bodies)
{
    make_bucket();
    static char data[20000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i * 7 % 26);
    zt_response r;
    chunked_put("/bkt/signed", data, sizeof data, true, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "signed chunks: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    zt_response_free(&r);
    expect_value("/bkt/signed", data, sizeof data);

    chunked_put("/bkt/bad1", data, sizeof data, true, NULL, 1, &r);
    expect_s3_error(&r, 403, "SignatureDoesNotMatch");
    expect_absent("/bkt/bad1");
    chunked_put("/bkt/bad2", data, sizeof data, true, NULL, 2, &r);
    expect_s3_error(&r, 400, "IncompleteBody");
    expect_absent("/bkt/bad2");
    chunked_put("/bkt/bad3", data, sizeof data, true, NULL, 3, &r);
    expect_s3_error(&r, 400, "IncompleteBody");
    expect_absent("/bkt/bad3");

    uLong crc = crc32(0, (const Bytef *)data, sizeof data);
    uint8_t be[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    char b64[16];
    EVP_EncodeBlock((unsigned char *)b64, be, 4);
    chunked_put("/bkt/trailer", data, sizeof data, false, b64, 0, &r);
    cr_assert_eq(r.status, 200, "unsigned with trailer: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    zt_response_free(&r);
    expect_value("/bkt/trailer", data, sizeof data);
    chunked_put("/bkt/badcrc", data, sizeof data, false, "AAAAAA==", 0, &r);
    expect_s3_error(&r, 400, "BadDigest");
    expect_absent("/bkt/badcrc");

    /* the decoded length said is not the one sent */
    static char body[1 << 16];
    req q;
    char seed[65];
    time_t t = time(NULL);
    req_init(&q, "PUT", "/bkt/short");
    req_header(&q, "x-amz-decoded-content-length", "%zu", sizeof data + 1);
    req_sign(&q, t, SECRET, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", seed);
    q.len = chunked_body(body, data, sizeof data, 8192, seed, t, NULL, 0);
    q.body = body;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "IncompleteBody");
    expect_absent("/bkt/short");
}

Test(s3_protocol, malformed_xml_changes_nothing)
{
    make_bucket();
    zt_response r;
    signed_put("/bkt/keep", "kept", 4, SECRET, &r);
    zt_response_free(&r);
    static const char *bad[] = {
        "<Delete><Object><Key>keep</Key></Object>", /* unclosed */
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"keep\">]><Delete><Object><Key>&e;"
        "</Key></Object></Delete>",                        /* a DTD */
        "<Other><Object><Key>keep</Key></Object></Other>", /* another root */
        "<Delete></Delete>",                               /* no object */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        req q;
        char hash[65], md5b64[32];
        uint8_t md5[16];
        req_init(&q, "POST", "/bkt?delete");
        EVP_Digest(bad[i], strlen(bad[i]), md5, NULL, EVP_md5(), NULL);
        EVP_EncodeBlock((unsigned char *)md5b64, md5, 16);
        req_header(&q, "Content-MD5", "%s", md5b64);
        sha256_hex(bad[i], strlen(bad[i]), hash);
        req_sign(&q, time(NULL), SECRET, hash, NULL);
        q.body = bad[i];
        q.len = strlen(bad[i]);
        req_send(&q, &r);
        expect_s3_error(&r, 400, "MalformedXML");
    }
    expect_value("/bkt/keep", "kept", 4);
    /* without Content-MD5 or a checksum */
    req q;
    static const char good[] = "<Delete><Object><Key>keep</Key></Object></Delete>";
    char hash[65];
    req_init(&q, "POST", "/bkt?delete");
    sha256_hex(good, sizeof good - 1, hash);
    req_sign(&q, time(NULL), SECRET, hash, NULL);
    q.body = good;
    q.len = sizeof good - 1;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "InvalidRequest");
    expect_value("/bkt/keep", "kept", 4);
}

Test(s3_protocol, multipart_bad_inputs)
{
    make_bucket();
    zt_response r;
    signed_do("PUT", "/bkt/mp?partNumber=1&uploadId=00000000000000000000000000000000", &r);
    expect_s3_error(&r, 404, "NoSuchUpload");
    signed_do("PUT", "/bkt/mp?partNumber=1&uploadId=..%2F..%2Fetc", &r);
    expect_s3_error(&r, 404, "NoSuchUpload");
    signed_do("POST", "/bkt/mp?uploads", &r);
    cr_assert_eq(r.status, 200);
    const char *id = memmem(r.body.data, r.body.len, "<UploadId>", 10);
    cr_assert(id);
    char upload[64];
    snprintf(upload, sizeof upload, "%.32s", id + 10);
    zt_response_free(&r);
    char target[256];
    snprintf(target, sizeof target, "/bkt/mp?partNumber=0&uploadId=%s", upload);
    signed_do("PUT", target, &r);
    expect_s3_error(&r, 400, "InvalidArgument");
    /* a part over 5 GiB is refused from its headers, before any body (100-continue) */
    zt_conn c;
    req q;
    snprintf(target, sizeof target, "/bkt/mp?partNumber=1&uploadId=%s", upload);
    req_init(&q, "PUT", target);
    req_header(&q, "Content-Length", "6442450944");
    req_header(&q, "Expect", "100-continue");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    cr_assert_eq(zt_conn_open(&c, "127.0.0.1", zt_srv()->s3_port), 0);
    zd_buf h = {0};
    zd_buf_appendf(&h, "PUT %s HTTP/1.1\r\n", target);
    for (size_t i = 0; i < q.nh; i++)
        zd_buf_appendf(&h, "%s: %s\r\n", q.hnames[i], q.hvalues[i]);
    zd_buf_append(&h, "\r\n", 2);
    cr_assert_eq(zt_send(&c, h.data, h.len), 0);
    zd_buf_free(&h);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    zt_conn_close(&c);
    expect_s3_error(&r, 400, "EntityTooLarge");
    /* the staging area is nowhere to be seen */
    signed_do("GET", "/bkt?list-type=2", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(memmem(r.body.data, r.body.len, "zarrd", 5));
    zt_response_free(&r);
}

/* The query is split once per request: a %-encoded parameter name is its decoded name; more
 * parameters than a request may carry is InvalidArgument, with nothing stored. */
Test(s3_protocol, query_parameters)
{
    make_bucket();
    zt_response r;
    signed_put("/bkt/q/a", "1", 1, SECRET, &r);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    signed_do("GET", "/bkt?%6Cist-type=2&pre%66ix=q%2F", &r); /* list-type, prefix */
    cr_assert_eq(r.status, 200);
    cr_assert(memmem(r.body.data, r.body.len, "<KeyCount>1</KeyCount>", 22),
              "an encoded name is its decoded name: %.*s", (int)r.body.len,
              (const char *)r.body.data);
    zt_response_free(&r);
    char target[2048];
    int at = snprintf(target, sizeof target, "/bkt/q/many?");
    for (int i = 0; i < S3_MAX_QUERY_PARAMS; i++)
        at += snprintf(target + at, sizeof target - (size_t)at, "%sp%d=%d", i ? "&" : "", i, i);
    signed_put(target, "ok", 2, SECRET, &r); /* the most a request may carry */
    cr_assert_eq(r.status, 200, "%d %.*s", r.status, (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
    expect_value("/bkt/q/many", "ok", 2);
    at = snprintf(target, sizeof target, "/bkt/q/over?");
    for (int i = 0; i <= S3_MAX_QUERY_PARAMS; i++)
        at += snprintf(target + at, sizeof target - (size_t)at, "%sp%d=%d", i ? "&" : "", i, i);
    req q; /* refused before the signature is looked at (a canonical form would refuse it) */
    req_init(&q, "PUT", target);
    req_header(&q, "Authorization", "AWS4-HMAC-SHA256 Credential=x");
    q.body = "x";
    q.len = 1;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "InvalidArgument");
    expect_absent("/bkt/q/over");
    /* listing parameters out of their domain */
    static const char *bad_lists[] = {
        "/bkt?list-type=2&max-keys=-1",
        "/bkt?list-type=2&max-keys=abc",
        "/bkt?list-type=2&max-keys=",
        "/bkt?max-keys=99999999999999999999999",
        "/bkt?list-type=2&encoding-type=utf8",
        "/bkt?list-type=2&continuation-token=zz",
        "/bkt?list-type=2&continuation-token=6",
        "/bkt?list-type=3",
    };
    for (size_t i = 0; i < sizeof bad_lists / sizeof *bad_lists; i++) {
        signed_do("GET", bad_lists[i], &r);
        expect_s3_error(&r, 400, "InvalidArgument");
    }
    /* max-keys=0 of a bucket with keys: an empty page with nothing to continue (as S3) */
    signed_do("GET", "/bkt?list-type=2&max-keys=0", &r);
    cr_assert_eq(r.status, 200);
    cr_assert(memmem(r.body.data, r.body.len, "<KeyCount>0</KeyCount>", 22) &&
                  memmem(r.body.data, r.body.len, "<IsTruncated>false</IsTruncated>", 32) &&
                  !memmem(r.body.data, r.body.len, "NextContinuationToken", 21),
              "max-keys=0: %.*s", (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
}

/* A PUT with a Content-Type, through S3 (with metadata) or natively (without). */
static void put_typed(bool s3, const char *key, const char *body, const char *type)
{
    char target[256];
    zt_response r;
    if (s3) {
        req q;
        char hash[65];
        snprintf(target, sizeof target, "/bkt/%s", key);
        req_init(&q, "PUT", target);
        req_header(&q, "Content-Type", "%s", type);
        sha256_hex(body, strlen(body), hash);
        req_sign(&q, time(NULL), SECRET, hash, NULL);
        q.body = body;
        q.len = strlen(body);
        req_send(&q, &r);
    } else {
        snprintf(target, sizeof target, "/bkt/%s", key);
        cr_assert_eq(zt_request(zt_srv(), "PUT", target, NULL, body, strlen(body), &r), 0);
    }
    cr_assert(r.status == 200 || r.status == 201 || r.status == 204, "PUT %s: %d", key, r.status);
    zt_response_free(&r);
}

/* GET key twice natively (one connection) and twice through S3 (signed): every answer carries
 * body and type (the second of each is served from the descriptor cache, which remembers a
 * value without metadata). */
static void expect_typed(const char *key, const char *body, const char *type)
{
    char target[256];
    snprintf(target, sizeof target, "/bkt/%s", key);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (int i = 0; i < 4; i++) {
        bool s3 = i >= 2;
        zt_response r;
        if (s3) {
            signed_do("GET", target, &r);
        } else {
            cr_assert_eq(zt_send_request(&c, "GET", target, NULL, NULL, 0), 0);
            cr_assert_eq(zt_read_response(&c, &r, false), 0);
        }
        const char *ct = zt_header(&r, "Content-Type");
        cr_assert_eq(r.status, 200, "GET %s (%s): %d", target, s3 ? "s3" : "native", r.status);
        cr_assert(r.body.len == strlen(body) && memcmp(r.body.data, body, r.body.len) == 0,
                  "GET %s (%s, %d): %.*s", target, s3 ? "s3" : "native", i, (int)r.body.len,
                  (const char *)r.body.data);
        cr_assert(ct && strcmp(ct, type) == 0, "GET %s (%s, %d): Content-Type %s, want %s", target,
                  s3 ? "s3" : "native", i, ct ? ct : "none", type);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
}

Test(s3_protocol, metadata_follows_the_value_through_the_cache)
{
    make_bucket();
    put_typed(true, "typed", "first", "text/x-first");
    expect_typed("typed", "first", "text/x-first");
    put_typed(false, "typed", "plain", NULL); /* a native PUT brings no metadata */
    expect_typed("typed", "plain", "application/octet-stream");
    put_typed(true, "typed", "second", "text/x-second");
    expect_typed("typed", "second", "text/x-second");
}

Test(s3_protocol, keys_the_tree_cannot_hold)
{
    make_bucket();
    static const char *bad[] = {"/bkt/a/../b", "/bkt/a/%2e%2e/b",       "/bkt/a//b",
                                "/bkt/dir/",   "/bkt/.zarrd-uploads/x", "/bkt/a/./b"};
    zt_response r;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        signed_put(bad[i], "x", 1, SECRET, &r);
        expect_s3_error(&r, 400, "InvalidArgument");
    }
    req q; /* not even signable: refused before the signature is looked at */
    req_init(&q, "PUT", "/bkt/a%00b");
    req_header(&q, "Authorization", "AWS4-HMAC-SHA256 Credential=x");
    q.body = "x";
    q.len = 1;
    req_send(&q, &r);
    expect_s3_error(&r, 400, "InvalidURI");
    char longkey[1200] = "/bkt/";
    memset(longkey + 5, 'k', 1100);
    signed_put(longkey, "x", 1, SECRET, &r);
    expect_s3_error(&r, 400, "KeyTooLongError");
    signed_do("PUT", "/a..b", &r);
    expect_s3_error(&r, 400, "InvalidBucketName");
    signed_do("GET", "/bkt?list-type=2", &r);
    cr_assert_null(memmem(r.body.data, r.body.len, "<Key>", 5), "a refused key was stored: %.*s",
                   (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
}

Test(s3_protocol, virtual_host_and_head_and_connection_errors)
{
    make_bucket();
    zt_response r;
    req q;
    char hash[65];
    req_init(&q, "PUT", "/vh/key");
    req_header(&q, "Host", "bkt.s3.test:%d", zt_srv()->s3_port);
    sha256_hex("vhost", 5, hash);
    req_sign(&q, time(NULL), SECRET, hash, NULL);
    q.body = "vhost";
    q.len = 5;
    req_send(&q, &r);
    cr_assert_eq(r.status, 200, "virtual-host PUT: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    zt_response_free(&r);
    expect_value("/bkt/vh/key", "vhost", 5); /* the same object, path style */
    /* HEAD of a missing key: the status, no body */
    signed_do("HEAD", "/bkt/none", &r);
    cr_assert_eq(r.status, 404);
    cr_assert_eq(r.body.len, 0);
    zt_response_free(&r);
    /* an error the connection layer raises is S3 XML on this listener */
    zt_conn c;
    cr_assert_eq(zt_conn_open(&c, "127.0.0.1", zt_srv()->s3_port), 0);
    char big[20000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(zt_sendf(&c, "GET /bkt/k HTTP/1.1\r\nHost: h\r\nX-Big: %s\r\n\r\n", big), 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    zt_conn_close(&c);
    expect_s3_error(&r, 431, "RequestHeaderSectionTooLarge");
}

Test(s3_protocol, cors_preflight_and_answers)
{
    make_bucket();
    zt_response r;
    req q;
    req_init(&q, "OPTIONS", "/bkt/obj");
    req_header(&q, "Origin", "http://viewer.test");
    req_header(&q, "Access-Control-Request-Method", "PUT");
    req_header(&q, "Access-Control-Request-Headers", "authorization, x-amz-date, x-amz-meta-a");
    req_send(&q, &r);
    cr_assert_eq(r.status, 204, "preflight: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    const char *h = zt_header(&r, "Access-Control-Allow-Origin");
    cr_assert(h && strcmp(h, "http://viewer.test") == 0, "Allow-Origin %s", h ? h : "none");
    h = zt_header(&r, "Access-Control-Allow-Methods");
    cr_assert(h && strstr(h, "PUT") && strstr(h, "DELETE"), "Allow-Methods %s", h ? h : "none");
    h = zt_header(&r, "Access-Control-Allow-Headers");
    cr_assert(h && strstr(h, "Authorization"), "Allow-Headers %s", h ? h : "none");
    zt_response_free(&r);
    /* another origin: refused, in S3's format */
    req_init(&q, "OPTIONS", "/bkt/obj");
    req_header(&q, "Origin", "http://evil.test");
    req_header(&q, "Access-Control-Request-Method", "GET");
    req_send(&q, &r);
    expect_s3_error(&r, 403, "AccessDenied");
    /* an actual request from the allowed origin, errors included */
    req_init(&q, "GET", "/bkt/missing");
    req_header(&q, "Origin", "http://viewer.test");
    req_sign(&q, time(NULL), SECRET, "UNSIGNED-PAYLOAD", NULL);
    req_send(&q, &r);
    cr_assert_eq(r.status, 404);
    h = zt_header(&r, "Access-Control-Allow-Origin");
    cr_assert(h && strcmp(h, "http://viewer.test") == 0, "no Allow-Origin on an error");
    h = zt_header(&r, "Access-Control-Expose-Headers");
    cr_assert(h && strstr(h, "ETag") && strstr(h, "x-amz-request-id"), "Expose %s", h ? h : "none");
    zt_response_free(&r);
}
