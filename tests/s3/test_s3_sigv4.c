/* test_s3_sigv4.c: the S3 front-end's protocol pieces without a server, against AWS's own
 * published examples (the S3 API reference's SigV4 pages: GET Object with a Range, PUT Object
 * "test$file.text", GET ?lifecycle, GET ?max-keys=2&prefix=J, the presigned GET, the chunked
 * upload's seed and chunk signatures, the trailer signature), and the aws-chunked decoder fed
 * every way a network can cut a body, with its framing errors. */
#include <criterion/criterion.h>

#include "s3_chunked.h"
#include "s3_sigv4.h"
#include "zd_error.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SECRET    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DATE      "20130524T000000Z"
#define SCOPE     "20130524/us-east-1/s3/aws4_request"

typedef struct hdr {
    const char *name, *value;
} hdr;

static const char *lookup(void *ctx, const char *name, size_t nlen, size_t i, size_t *vlen)
{
    for (const hdr *h = ctx; h->name; h++)
        if (strlen(h->name) == nlen && strncasecmp(h->name, name, nlen) == 0 && i-- == 0) {
            *vlen = strlen(h->value);
            return h->value;
        }
    return NULL;
}

/* The signature of a request over AWS's example credentials. */
static void sign(const char *method, const char *path, const char *query, const char *signed_h,
                 const char *payload, hdr *headers, char *canon_hash, char sig[65])
{
    s3_sigv4_req r = {.method = method,
                      .path = path,
                      .path_len = strlen(path),
                      .query = query,
                      .query_len = strlen(query),
                      .signed_headers = signed_h,
                      .signed_len = strlen(signed_h),
                      .payload = payload,
                      .header = lookup,
                      .ctx = headers};
    char h[65];
    cr_assert(s3_sigv4_canonical_hash(&r, h));
    if (canon_hash) strcpy(canon_hash, h);
    uint8_t key[32];
    s3_sigv4_key(SECRET, DATE, "us-east-1", 9, key);
    s3_sigv4_sign(key, DATE, SCOPE, h, sig);
}

Test(s3_sigv4, aws_get_object_example)
{
    hdr h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Range", "bytes=0-9"},
               {"x-amz-content-sha256", EMPTY_SHA},
               {"x-amz-date", DATE},
               {NULL, NULL}};
    char ch[65], sig[65];
    sign("GET", "/test.txt", "", "host;range;x-amz-content-sha256;x-amz-date", EMPTY_SHA, h, ch,
         sig);
    cr_assert_str_eq(ch, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    cr_assert_str_eq(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    /* the same request with an odd but equivalent encoding of the path and spaced values */
    hdr h2[] = {{"host", "  examplebucket.s3.amazonaws.com "},
                {"range", "bytes=0-9"},
                {"X-Amz-Content-Sha256", EMPTY_SHA},
                {"X-AMZ-DATE", DATE},
                {NULL, NULL}};
    sign("GET", "/t%65st.txt", "", "host;range;x-amz-content-sha256;x-amz-date", EMPTY_SHA, h2,
         NULL, sig);
    cr_assert_str_eq(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

Test(s3_sigv4, aws_put_object_example)
{
    uint8_t d[32];
    char payload[65];
    EVP_Digest("Welcome to Amazon S3.", 21, d, NULL, EVP_sha256(), NULL);
    s3_hex(d, 32, payload);
    hdr h[] = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", DATE},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", payload},
               {NULL, NULL}};
    char sig[65];
    sign("PUT", "/test%24file.text", "",
         "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", payload, h, NULL, sig);
    cr_assert_str_eq(sig, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    /* '$' sent unencoded must give the same canonical path */
    sign("PUT", "/test$file.text", "",
         "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", payload, h, NULL, sig);
    cr_assert_str_eq(sig, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

Test(s3_sigv4, aws_bucket_query_examples)
{
    hdr h[] = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", EMPTY_SHA},
               {"x-amz-date", DATE},
               {NULL, NULL}};
    char sig[65];
    sign("GET", "/", "lifecycle", "host;x-amz-content-sha256;x-amz-date", EMPTY_SHA, h, NULL, sig);
    cr_assert_str_eq(sig, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
    /* parameters sorted whatever their order on the wire */
    sign("GET", "/", "prefix=J&max-keys=2", "host;x-amz-content-sha256;x-amz-date", EMPTY_SHA, h,
         NULL, sig);
    cr_assert_str_eq(sig, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

Test(s3_sigv4, aws_presigned_example)
{
    hdr h[] = {{"Host", "examplebucket.s3.amazonaws.com"}, {NULL, NULL}};
    char sig[65];
    sign("GET", "/test.txt",
         "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
         "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
         "X-Amz-SignedHeaders=host&X-Amz-Signature=0000",
         "host", "UNSIGNED-PAYLOAD", h, NULL, sig);
    cr_assert_str_eq(sig, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

Test(s3_sigv4, aws_chunked_upload_example)
{
    hdr h[] = {{"Content-Encoding", "aws-chunked"},
               {"Content-Length", "66824"},
               {"Host", "s3.amazonaws.com"},
               {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
               {"x-amz-date", DATE},
               {"x-amz-decoded-content-length", "66560"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {NULL, NULL}};
    char ch[65], seed[65];
    sign("PUT", "/examplebucket/chunkObject.txt", "",
         "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
         "x-amz-decoded-content-length;x-amz-storage-class",
         "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", h, ch, seed);
    cr_assert_str_eq(ch, "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455");
    cr_assert_str_eq(seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    uint8_t key[32], hash[32];
    s3_sigv4_key(SECRET, DATE, "us-east-1", 9, key);
    static const char *want[] = {
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"};
    const size_t sizes[] = {65536, 1024, 0};
    char *a = malloc(65536);
    memset(a, 'a', 65536);
    char prev[65];
    strcpy(prev, seed);
    for (int i = 0; i < 3; i++) {
        char sig[65];
        EVP_Digest(a, sizes[i], hash, NULL, EVP_sha256(), NULL);
        s3_sigv4_chunk(key, DATE, SCOPE, prev, hash, false, sig);
        cr_assert_str_eq(sig, want[i], "chunk %d", i + 1);
        strcpy(prev, sig);
    }
    free(a);
    /* the trailer signature of the trailing-headers example */
    static const char trailer[] = "x-amz-checksum-crc32c:wdBDMA==\n";
    EVP_Digest(trailer, sizeof trailer - 1, hash, NULL, EVP_sha256(), NULL);
    char sig[65];
    s3_sigv4_chunk(key, DATE, SCOPE,
                   "e05ab64fe1dfdbf0b5870abbaabdb063c371d4e96f2767e6934d90529c5ae850", hash, true,
                   sig);
    cr_assert_str_eq(sig, "41e14ac611e27a8bb3d66c3bad6856f209297767d5dd4fc87d8fa9e422e03faf");
}

Test(s3_sigv4, header_values_trimmed_and_folded)
{
    hdr a[] = {{"Host", "h"}, {"x-amz-meta-k", "one two"}, {NULL, NULL}};
    hdr b[] = {{"Host", "h"}, {"x-amz-meta-k", "\t one  \t two "}, {NULL, NULL}};
    hdr c[] = {{"Host", "h"}, {"x-amz-meta-k", "onetwo"}, {NULL, NULL}};
    char sa[65], sb[65], sc[65];
    sign("GET", "/k", "", "host;x-amz-meta-k", EMPTY_SHA, a, NULL, sa);
    sign("GET", "/k", "", "host;x-amz-meta-k", EMPTY_SHA, b, NULL, sb);
    sign("GET", "/k", "", "host;x-amz-meta-k", EMPTY_SHA, c, NULL, sc);
    cr_assert_str_eq(sa, sb, "runs of spaces are one space, ends trimmed");
    cr_assert_str_neq(sa, sc, "but a space is not nothing");
    /* several fields of one name are joined with ',' in their order */
    hdr d[] = {{"Host", "h"}, {"x-amz-meta-k", "1"}, {"x-amz-meta-k", "2"}, {NULL, NULL}};
    hdr e[] = {{"Host", "h"}, {"x-amz-meta-k", "1,2"}, {NULL, NULL}};
    sign("GET", "/k", "", "host;x-amz-meta-k", EMPTY_SHA, d, NULL, sa);
    sign("GET", "/k", "", "host;x-amz-meta-k", EMPTY_SHA, e, NULL, sb);
    cr_assert_str_eq(sa, sb);
}

Test(s3_sigv4, refuses_what_has_no_canonical_form)
{
    hdr h[] = {{"Host", "h"}, {NULL, NULL}};
    s3_sigv4_req r = {.method = "GET",
                      .path = "/a%zz",
                      .path_len = 5,
                      .query = "",
                      .signed_headers = "host",
                      .signed_len = 4,
                      .payload = "UNSIGNED-PAYLOAD",
                      .header = lookup,
                      .ctx = h};
    char hex[65];
    cr_assert_not(s3_sigv4_canonical_hash(&r, hex), "a malformed %%-escape");
    r.path = "/a%00b";
    r.path_len = 6;
    cr_assert_not(s3_sigv4_canonical_hash(&r, hex), "a NUL");
    r.path = "/a";
    r.path_len = 2;
    r.signed_headers = "host;;x";
    r.signed_len = 7;
    cr_assert_not(s3_sigv4_canonical_hash(&r, hex), "an empty signed header name");
}

/* ---- aws-chunked ---- */

typedef struct sink {
    char data[1 << 17];
    size_t len;
    int chunks_begun, chunks_ended, trailers;
    char sigs[8][70];
    char trailer[256];
} sink;

static int on_data(void *ctx, const uint8_t *p, size_t n)
{
    sink *s = ctx;
    cr_assert_leq(s->len + n, sizeof s->data);
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return 0;
}

static int on_begin(void *ctx, uint64_t size, const char *sig, size_t siglen)
{
    sink *s = ctx;
    (void)size;
    if (s->chunks_begun < 8)
        snprintf(s->sigs[s->chunks_begun], 70, "%.*s", (int)siglen, sig ? sig : "");
    s->chunks_begun++;
    return 0;
}

static int on_end(void *ctx)
{
    ((sink *)ctx)->chunks_ended++;
    return 0;
}

static int on_trailer(void *ctx, const char *n, size_t nl, const char *v, size_t vl)
{
    sink *s = ctx;
    s->trailers++;
    snprintf(s->trailer, sizeof s->trailer, "%.*s=%.*s", (int)nl, n, (int)vl, v);
    return 0;
}

/* Decode body[0..len) fed in pieces of `step` bytes; the decoder's last result. */
static int decode(const char *body, size_t len, size_t step, sink *s, bool *done)
{
    s3_chunked d;
    s3_chunked_init(&d);
    memset(s, 0, sizeof *s);
    s3_chunked_ops ops = {.data = on_data,
                          .chunk_begin = on_begin,
                          .chunk_end = on_end,
                          .trailer = on_trailer,
                          .ctx = s};
    zd_error err = {0};
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i += step)
        rc = s3_chunked_feed(&d, (const uint8_t *)body + i, len - i < step ? len - i : step, &ops,
                             &err);
    *done = s3_chunked_done(&d);
    return rc;
}

Test(s3_chunked, signed_chunks_in_every_cut)
{
    static char body[70000];
    size_t len = 0;
    len += (size_t)sprintf(body + len, "10000;chunk-signature=%064d\r\n", 1);
    memset(body + len, 'a', 65536);
    len += 65536;
    len += (size_t)sprintf(body + len, "\r\n400;chunk-signature=%064d\r\n", 2);
    memset(body + len, 'b', 1024);
    len += 1024;
    len += (size_t)sprintf(body + len, "\r\n0;chunk-signature=%064d\r\n\r\n", 3);
    sink s;
    bool done;
    const size_t steps[] = {1, 2, 3, 7, 64, 4096, 65536, sizeof body};
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        cr_assert_eq(decode(body, len, steps[k], &s, &done), 0, "step %zu", steps[k]);
        cr_assert(done, "step %zu: not done", steps[k]);
        cr_assert_eq(s.len, 66560);
        cr_assert_eq(s.data[0], 'a');
        cr_assert_eq(s.data[65535], 'a');
        cr_assert_eq(s.data[65536], 'b');
        cr_assert_eq(s.chunks_begun, 3);
        cr_assert_eq(s.chunks_ended, 3);
        cr_assert_eq(strlen(s.sigs[2]), 64);
        cr_assert_eq(s.sigs[2][63], '3');
    }
}

Test(s3_chunked, unsigned_with_trailer)
{
    static const char body[] =
        "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32: AAAA== \r\n\r\n";
    sink s;
    bool done;
    for (size_t step = 1; step <= sizeof body; step++) {
        cr_assert_eq(decode(body, sizeof body - 1, step, &s, &done), 0);
        cr_assert(done);
        cr_assert_eq(s.len, 11);
        cr_assert_eq(memcmp(s.data, "hello world", 11), 0);
        cr_assert_eq(s.trailers, 1);
        cr_assert_str_eq(s.trailer, "x-amz-checksum-crc32=AAAA==");
        cr_assert_str_eq(s.sigs[0], "", "an unsigned chunk has no signature");
    }
}

Test(s3_chunked, framing_errors)
{
    static const char *bad[] = {
        "5\r\nhello\r\n0\r\nx\r\n\r\n", /* a trailer line without ':' */
        "5\r\nhelloXX0\r\n\r\n",        /* no CRLF after the data */
        "zz\r\nhi\r\n",                 /* not a size */
        "\r\n",                         /* no size at all */
        "5;chunk-name=x\r\nhello\r\n",  /* another extension */
        "1000000000000000\r\n",         /* 16 hex digits */
        "5\nhello\r\n",                 /* LF alone */
        "0\r\n\r\nextra",               /* bytes after the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sink s;
        bool done;
        cr_assert_eq(decode(bad[i], strlen(bad[i]), 1, &s, &done), ZD_EINVAL, "case %zu", i);
    }
    /* a line longer than the bound */
    char line[S3_CHUNK_LINE_MAX + 16];
    memset(line, '0', sizeof line);
    sink s;
    bool done;
    cr_assert_eq(decode(line, sizeof line, 1, &s, &done), ZD_EINVAL);
    /* trailers beyond the bound */
    size_t n = S3_CHUNK_TRAILER_MAX + 200;
    char *t = malloc(n + 1);
    strcpy(t, "0\r\n");
    while (strlen(t) < n - 12)
        strcat(t, "a:b\r\n");
    cr_assert_eq(decode(t, strlen(t), 5, &s, &done), ZD_EINVAL);
    free(t);
    /* a body that stops early is simply not done */
    cr_assert_eq(decode("5\r\nhel", 6, 1, &s, &done), 0);
    cr_assert_not(done);
}

/* %-decoding as S3 does it: "%XX" in either case, '+' stays a '+', no NUL (raw or %00), a
 * malformed escape refused, a result that does not fit (with its NUL) refused apart. */
Test(s3_sigv4, percent_decoding)
{
    char out[16];
    cr_assert_eq(s3_pct_decode("a%2Fb%2fc+d~", 12, out, sizeof out), 8);
    cr_assert_str_eq(out, "a/b/c+d~");
    cr_assert_eq(s3_pct_decode("", 0, out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(s3_pct_decode("%E2%82%AC", 9, out, sizeof out), 3);
    cr_assert_str_eq(out, "\xE2\x82\xAC");
    static const char *bad[] = {"%", "a%4", "%zz", "%4g", "a%00b", "%g4"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(s3_pct_decode(bad[i], strlen(bad[i]), out, sizeof out), -1, "%s", bad[i]);
    cr_assert_eq(s3_pct_decode("a\0b", 3, out, sizeof out), -1);
    cr_assert_eq(s3_pct_decode("0123456789abcde", 15, out, 16), 15); /* exactly fits */
    cr_assert_eq(s3_pct_decode("0123456789abcdef", 16, out, 16), -2);
    cr_assert_eq(s3_pct_decode("0123456789abcde%41", 18, out, 16), -2);
    cr_assert_eq(s3_pct_decode("0123456789abcd%41", 17, out, 16), 15);
    cr_assert_str_eq(out, "0123456789abcdA");
    cr_assert_eq(s3_pct_decode("x", 1, out, 0), -2);
}

/* %-encoding as SigV4 and encoding-type=url need it: A-Z a-z 0-9 - _ . ~ kept, everything
 * else %XX in upper case, '/' kept only when asked. */
Test(s3_sigv4, percent_encoding)
{
    zd_buf b = {0};
    static const char in[] = "AZaz09-_.~ /+=&%\x7f\x80\xff";
    cr_assert_eq(s3_pct_encode(&b, in, sizeof in - 1, false), 0);
    zd_buf_append(&b, "", 1);
    cr_assert_str_eq((char *)b.data, "AZaz09-_.~%20%2F%2B%3D%26%25%7F%80%FF");
    zd_buf_reset(&b);
    cr_assert_eq(s3_pct_encode(&b, "a/b c", 5, true), 0);
    cr_assert_eq(b.len, 7);
    cr_assert_eq(memcmp(b.data, "a/b%20c", 7), 0);
    for (int ch = 0; ch < 256; ch++) { /* every byte: kept or %XX, never anything else */
        char one = (char)ch;
        zd_buf_reset(&b);
        s3_pct_encode(&b, &one, 1, false);
        bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~';
        cr_assert_eq(b.len, keep ? 1u : 3u, "byte %d", ch);
    }
    zd_buf_free(&b);
}
