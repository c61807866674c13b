/* test_multipart.c: unit tests for Content-Type parsing, multipart/byteranges and
 * message/byterange bodies, and the multipart response writer (zd_multipart). */
#include <criterion/criterion.h>

#include "zd_multipart.h"

#include <stdio.h>
#include <string.h>

static int ct(const char *s, zd_content_type *out)
{
    return zd_content_type_parse(s, strlen(s), out, NULL);
}

Test(content_type, media_type)
{
    zd_content_type t;
    cr_assert_eq(ct("application/octet-stream", &t), 0);
    cr_assert(zd_content_type_is(&t, "application/octet-stream"));
    cr_assert_not(zd_content_type_is(&t, "application/octet"));
    cr_assert_not(zd_content_type_is(&t, "application/octet-streams"));
    cr_assert_eq(t.boundary_len, 0);
    cr_assert_eq(ct("  Message/ByteRange ", &t), 0);
    cr_assert(zd_content_type_is(&t, "message/byterange"));
    cr_assert_eq(ct("text/plain;charset=utf-8", &t), 0);
    cr_assert(zd_content_type_is(&t, "text/plain"));
    cr_assert_eq(ct("text/plain ; ; charset=\"utf-8\" ;", &t), 0);
}

Test(content_type, boundary)
{
    zd_content_type t;
    cr_assert_eq(ct("multipart/byteranges; boundary=THIS_STRING_SEPARATES", &t), 0);
    cr_assert(zd_content_type_is(&t, "multipart/byteranges"));
    cr_assert_str_eq(t.boundary, "THIS_STRING_SEPARATES");
    cr_assert_eq(t.boundary_len, 21);
    /* Quoted, with a quoted-pair, spaces and RFC 2046 punctuation; parameter names fold case. */
    cr_assert_eq(ct("multipart/byteranges;charset=x;BOUNDARY=\"a b:c\\=(d)?\"", &t), 0);
    cr_assert_str_eq(t.boundary, "a b:c=(d)?");
    char seventy[] = "multipart/byteranges; boundary=\"" /* 70 characters follow */
                     "0123456789012345678901234567890123456789012345678901234567890123456789\"";
    cr_assert_eq(ct(seventy, &t), 0);
    cr_assert_eq(t.boundary_len, 70);
}

Test(content_type, malformed)
{
    const char *bad[] = {"",
                         "text",
                         "text/",
                         "/plain",
                         "text /plain",
                         "text/plain x",
                         "text/plain; charset",
                         "text/plain; charset=",
                         "text/plain; =x",
                         "text/plain; charset=\"x",
                         "text/plain; charset=\"x\\",
                         "text/plain; charset=\"a\"b",
                         "multipart/byteranges; boundary=\"\"",
                         "multipart/byteranges; boundary=a; boundary=b",
                         "multipart/byteranges; boundary=\"ends in space \"",
                         "multipart/byteranges; boundary=\"quote\\\"inside\"",
                         "multipart/byteranges; boundary=with*star",
                         "multipart/byteranges; boundary=\"01234567890123456789012345678901234"
                         "56789012345678901234567890123456789X\"",
                         "multipart/byteranges; boundary=\"ctl\x01\""};
    zd_content_type t;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_error err = {0};
        cr_assert_eq(zd_content_type_parse(bad[i], strlen(bad[i]), &t, &err), ZD_EINVAL,
                     "accepted '%s'", bad[i]);
        cr_assert_neq(err.msg[0], '\0');
        cr_assert_null(t.type);
        cr_assert_eq(t.boundary_len, 0);
    }
}

static zd_byterange_part parts[ZD_MAX_PARTS];
static size_t nparts;

static int mp(const char *body, size_t len, const char *boundary, zd_error *err)
{
    return zd_multipart_parse((const uint8_t *)body, len, boundary, strlen(boundary), parts,
                              ZD_MAX_PARTS, &nparts, err);
}

#define MP(body, boundary) mp(body, sizeof(body) - 1, boundary, NULL)

Test(multipart, two_parts_with_preamble_and_epilogue)
{
    static const char body[] = "preamble text\r\n"
                               "--B\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "content-range: bytes 0-3/*\r\n"
                               "\r\n"
                               "abcd\r\n"
                               "--B  \t\r\n"
                               "Content-Range:bytes 10-11/20\r\n"
                               "X-Other: ignored\r\n"
                               "\r\n"
                               "\r\n\r\n"
                               "--B--\r\n"
                               "epilogue";
    zd_error err = {0};
    cr_assert_eq(mp(body, sizeof body - 1, "B", &err), 0, "%s", err.msg);
    cr_assert_eq(nparts, 2);
    cr_assert_eq(parts[0].first, 0);
    cr_assert_eq(parts[0].last, 3);
    cr_assert_eq(parts[0].complete_length, ZD_LENGTH_UNKNOWN);
    cr_assert_eq(parts[0].len, 4);
    cr_assert_eq(memcmp(parts[0].data, "abcd", 4), 0);
    cr_assert_eq(parts[0].content_type_len, 24);
    cr_assert_eq(memcmp(parts[0].content_type, "application/octet-stream", 24), 0);
    cr_assert_eq(parts[1].first, 10);
    cr_assert_eq(parts[1].complete_length, 20);
    cr_assert_eq(parts[1].len, 2);
    cr_assert_eq(memcmp(parts[1].data, "\r\n", 2), 0); /* CRLF as data */
    cr_assert_null(parts[1].content_type);
}

Test(multipart, no_preamble_binary_data)
{
    static const char body[] = "--xyz\r\nContent-Range: bytes 5-9/*\r\n\r\n\0\r\n-\xff\r\n--xyz--";
    cr_assert_eq(MP(body, "xyz"), 0);
    cr_assert_eq(nparts, 1);
    cr_assert_eq(parts[0].len, 5);
    cr_assert_eq(memcmp(parts[0].data, "\0\r\n-\xff", 5), 0);
}

Test(multipart, data_may_contain_boundary_not_after_crlf)
{
    static const char body[] = "--b\r\nContent-Range: bytes 0-5/*\r\n\r\nx--b--\r\n--b--";
    cr_assert_eq(MP(body, "b"), 0);
    cr_assert_eq(parts[0].len, 6);
}

Test(multipart, malformed)
{
    const char *bad[] = {
        "",
        "no delimiter at all",
        "--B--",                                                /* no parts */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx",           /* not closed */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B",    /* no CRLF or -- */
        "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nx\r\n--B--",  /* short data */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nxy\r\n--B--", /* long data */
        "--B\r\n\r\nx\r\n--B--",                                /* no Content-Range */
        "--B\r\nContent-Type: a/b\r\n\r\nx\r\n--B--",           /* no Content-Range */
        "--B\r\nContent-Range: bytes */5\r\n\r\nx\r\n--B--",    /* unsatisfied form */
        "--B\r\nContent-Range: bytes 0-0/*\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B--",
        "--B\r\nContent-Type: a\r\nContent-Type: b\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n"
        "--B--",
        "--B\r\nContent-Range: bytes 0-0/*\r\n folded\r\n\r\nx\r\n--B--",  /* obs-fold */
        "--B\r\nContent-Range bytes 0-0/*\r\n\r\nx\r\n--B--",              /* no colon */
        "--B\r\n: v\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B--",      /* empty name */
        "--B\r\nContent-Range: bytes 0-0/*\r\nX: a\x01\r\n\r\nx\r\n--B--", /* control */
        "--B\r\nContent-Range: bytes 0-0/*\nX: a\r\n\r\nx\r\n--B--",       /* bare LF */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--Bx\r\n--B--",     /* boundary reused */
        "--Bx\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B--",            /* wrong boundary */
        "--B\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B--",               /* LF after delim */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\n\r\n--B--",              /* empty data */
        "--B\r\nContent-Range: bytes 1-0/*\r\n\r\nx\r\n--B--",
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B\r\n\r\n--B--", /* empty part */
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B\r\nContent-Range: bytes 0-0/*\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_error err = {0};
        cr_assert_eq(mp(bad[i], strlen(bad[i]), "B", &err), ZD_EINVAL, "accepted case %zu", i);
        cr_assert_neq(err.msg[0], '\0');
        cr_assert_eq(nparts, 0);
    }
}

Test(multipart, empty_body_without_buffer)
{
    /* A request without a body hands over no buffer at all: NULL, 0 (found by http_fuzz.py,
     * where UBSan flagged memmem/memcmp on a null pointer). */
    zd_byterange_part p;
    cr_assert_eq(zd_multipart_parse(NULL, 0, "B", 1, parts, ZD_MAX_PARTS, &nparts, NULL),
                 ZD_EINVAL);
    cr_assert_eq(zd_message_byterange_parse(NULL, 0, &p, NULL), ZD_EINVAL);
}

Test(multipart, bad_boundary_argument)
{
    static const char body[] = "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nx\r\n--B--";
    cr_assert_eq(MP(body, ""), ZD_EINVAL);
    cr_assert_eq(MP(body, "B "), ZD_EINVAL);
}

Test(multipart, part_limit)
{
    static char body[64 * (ZD_MAX_PARTS + 2)];
    size_t len = 0;
    for (int i = 0; i < ZD_MAX_PARTS; i++)
        len +=
            (size_t)sprintf(body + len, "\r\n--B\r\nContent-Range: bytes %d-%d/*\r\n\r\nx", i, i);
    strcpy(body + len, "\r\n--B--");
    cr_assert_eq(mp(body, len + 7, "B", NULL), 0);
    cr_assert_eq(nparts, ZD_MAX_PARTS);
    len += (size_t)sprintf(body + len, "\r\n--B\r\nContent-Range: bytes 99-99/*\r\n\r\nx");
    strcpy(body + len, "\r\n--B--");
    cr_assert_eq(mp(body, len + 7, "B", NULL), ZD_EINVAL);
    /* A smaller caller array is respected. */
    cr_assert_eq(
        zd_multipart_parse((const uint8_t *)body, len + 7, "B", 1, parts, 3, &nparts, NULL),
        ZD_EINVAL);
}

static int mb(const char *body, size_t len, zd_byterange_part *p)
{
    return zd_message_byterange_parse((const uint8_t *)body, len, p, NULL);
}

Test(message_byterange, valid)
{
    static const char body[] = "Content-Range: bytes 100-104/*\r\n\r\nhello";
    zd_byterange_part p;
    cr_assert_eq(mb(body, sizeof body - 1, &p), 0);
    cr_assert_eq(p.first, 100);
    cr_assert_eq(p.last, 104);
    cr_assert_eq(p.len, 5);
    cr_assert_eq(memcmp(p.data, "hello", 5), 0);
    static const char crlf[] = "Content-Type: x/y\r\nContent-Range: bytes 0-1/2\r\n\r\n\r\n";
    cr_assert_eq(mb(crlf, sizeof crlf - 1, &p), 0);
    cr_assert_eq(p.complete_length, 2);
    cr_assert_eq(memcmp(p.data, "\r\n", 2), 0);
}

Test(message_byterange, malformed)
{
    const char *bad[] = {"",
                         "hello",
                         "\r\nhello",
                         "Content-Range: bytes 0-4/*\r\nhello",
                         "Content-Range: bytes 0-4/*\r\n\r\nhell",
                         "Content-Range: bytes 0-4/*\r\n\r\nhello!",
                         "Content-Range: bytes 0-4/*\r\n\r\n",
                         "Content-Range: bytes 0-4/3\r\n\r\nhello",
                         "Content-Range: bytes */*\r\n\r\nhello"};
    zd_byterange_part p;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(mb(bad[i], strlen(bad[i]), &p), ZD_EINVAL, "accepted case %zu", i);
}

Test(multipart_writer, boundary)
{
    char b[ZD_MAX_BOUNDARY + 1];
    cr_assert_eq(zd_multipart_make_boundary(b, 0x0123456789abcdefULL), 22);
    cr_assert_str_eq(b, "zarrd-0123456789abcdef");
    zd_content_type t;
    char hdr[128];
    snprintf(hdr, sizeof hdr, "multipart/byteranges; boundary=%s", b);
    cr_assert_eq(ct(hdr, &t), 0);
    cr_assert_str_eq(t.boundary, b);
}

/* Build a whole response body with the writer, check its announced length, and read it back
 * with the parser. */
static void round_trip(const char *content_type)
{
    static const char value[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    zd_range r[] = {{0, 0}, {10, 15}, {30, 35}, {2, 2}};
    const char *boundary = "zarrd-00000000000000ff";
    zd_buf b = {0};
    uint64_t total;
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(zd_multipart_part_header(&b, boundary, content_type, r[i], 36), 0);
        cr_assert_eq(zd_buf_append(&b, value + r[i].first, r[i].last - r[i].first + 1), 0);
    }
    cr_assert_eq(zd_multipart_close(&b, boundary), 0);
    cr_assert_eq(zd_multipart_body_length(boundary, content_type, r, 4, 36, &total), 0);
    cr_assert_eq(total, b.len);
    zd_error err = {0};
    cr_assert_eq(zd_multipart_parse(b.data, b.len, boundary, strlen(boundary), parts, ZD_MAX_PARTS,
                                    &nparts, &err),
                 0, "%s", err.msg);
    cr_assert_eq(nparts, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(parts[i].first, r[i].first);
        cr_assert_eq(parts[i].last, r[i].last);
        cr_assert_eq(parts[i].complete_length, 36);
        cr_assert_eq(memcmp(parts[i].data, value + r[i].first, parts[i].len), 0);
        cr_assert_eq(parts[i].content_type == NULL, content_type == NULL);
    }
    zd_buf_free(&b);
}

Test(multipart_writer, round_trip_with_content_type)
{
    round_trip("application/octet-stream");
}

Test(multipart_writer, round_trip_without_content_type)
{
    round_trip(NULL);
}

Test(multipart_writer, exact_text)
{
    zd_buf b = {0};
    zd_range r = {1, 2};
    cr_assert_eq(zd_multipart_part_header(&b, "B", "t/x", r, 9), 0);
    cr_assert_eq(zd_multipart_close(&b, "B"), 0);
    static const char want[] =
        "\r\n--B\r\nContent-Type: t/x\r\nContent-Range: bytes 1-2/9\r\n\r\n\r\n--B--\r\n";
    cr_assert_eq(b.len, sizeof want - 1);
    cr_assert_eq(memcmp(b.data, want, b.len), 0);
    zd_buf_free(&b);
}

Test(multipart_writer, length_overflow)
{
    zd_range r[] = {{0, UINT64_MAX - 2}, {0, UINT64_MAX - 2}};
    uint64_t total;
    cr_assert_eq(zd_multipart_body_length("B", NULL, r, 1, UINT64_MAX - 1, &total), ZD_EOVERFLOW);
    cr_assert_eq(zd_multipart_body_length("B", NULL, r, 0, 10, &total), 0);
    cr_assert_eq(total, 9);
}
