/* test_patch.c: PATCH as byte-range writes (set_range): a raw body at offset A of a
 * `Content-Range: bytes A-B/<star>` header (204; may extend; 416 past the end; 404 no key; 400
 * wrong length, also when B-A+1 overflows), the draft-ietf-httpapi-patch-byterange bodies
 * message/byterange and multipart/byteranges (several ranges applied atomically: one bad range
 * leaves the value unchanged), and 415 for an unknown patch media type. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdio.h>
#include <string.h>

TestSuite(patch, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static void put_digits(void)
{
    zt_put_str("/v", "0123456789");
}

/* PATCH /v with a raw body at Content-Range `range`. Returns the status. */
static int patch_raw(const char *range, const char *body)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Content-Range: %s\r\n", range);
    return zt_status("PATCH", "/v", hdr, body, strlen(body));
}

Test(patch, raw_overwrite_204)
{
    put_digits();
    cr_assert_eq(patch_raw("bytes 2-4/*", "abc"), 204);
    zt_expect_value("/v", "01abc56789", 10);
    cr_assert_eq(patch_raw("bytes 0-0/*", "X"), 204);
    cr_assert_eq(patch_raw("bytes 9-9/*", "Y"), 204);
    zt_expect_value("/v", "X1abc5678Y", 10);
}

Test(patch, raw_append_at_end_extends)
{
    put_digits();
    cr_assert_eq(patch_raw("bytes 10-12/*", "xyz"), 204);
    zt_expect_value("/v", "0123456789xyz", 13);
}

Test(patch, raw_overlapping_end_extends)
{
    put_digits();
    cr_assert_eq(patch_raw("bytes 8-11/*", "WXYZ"), 204);
    zt_expect_value("/v", "01234567WXYZ", 12);
}

Test(patch, raw_past_end_416_unchanged)
{
    put_digits();
    zt_response r;
    zt_do("PATCH", "/v", "Content-Range: bytes 11-12/*\r\n", "ab", 2, &r);
    zt_expect_error(&r, 416);
    const char *cr = zt_header(&r, "Content-Range");
    cr_assert(cr && strcmp(cr, "bytes */10") == 0, "416 Content-Range %s, expected bytes */10",
              cr ? cr : "(none)");
    zt_response_free(&r);
    zt_expect_value("/v", "0123456789", 10);
}

Test(patch, missing_key_404)
{
    zt_expect_error_for("PATCH", "/nope", "Content-Range: bytes 0-1/*\r\n", "ab", 2, 404);
    zt_expect_error_for("GET", "/nope", NULL, NULL, 0, 404);
}

Test(patch, wrong_body_length_400_unchanged)
{
    put_digits();
    zt_expect_error_for("PATCH", "/v", "Content-Range: bytes 0-4/*\r\n", "abc", 3, 400);
    zt_expect_error_for("PATCH", "/v", "Content-Range: bytes 0-1/*\r\n", "abc", 3, 400);
    zt_expect_value("/v", "0123456789", 10);
}

Test(patch, malformed_content_range_400_unchanged)
{
    put_digits();
    const char *bad[] = {"Content-Range: bytes 4-2/*\r\n", "Content-Range: bytes x-y/*\r\n",
                         "Content-Range: lines 0-2/*\r\n", "Content-Range: bytes 0-2\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        zt_expect_error_for("PATCH", "/v", bad[i], "abc", 3, 400);
    zt_expect_value("/v", "0123456789", 10);
}

/* Ranges at the edge of 64 bits: B-A+1 wrapping to 0 must not pass for an empty body, and an
 * offset near 2^63 or 2^64 (past any off_t) is beyond the end (416), never written. */
Test(patch, overflowing_content_range_refused_unchanged)
{
    put_digits();
    static const struct {
        const char *range, *body;
        int status;
    } cases[] = {
        {"bytes 0-18446744073709551615/*", "", 400},
        {"bytes 10-18446744073709551615/*", "", 400},
        {"bytes 0-99999999999999999999/*", "", 400},
        {"bytes 9223372036854775807-9223372036854775807/*", "x", 416},
        {"bytes 9223372036854775808-9223372036854775808/*", "x", 416},
        {"bytes 18446744073709551614-18446744073709551614/*", "x", 416},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int status = patch_raw(cases[i].range, cases[i].body);
        cr_expect_eq(status, cases[i].status, "%s: status %d, expected %d", cases[i].range, status,
                     cases[i].status);
    }
    zt_expect_value("/v", "0123456789", 10);
}

Test(patch, message_byterange_204)
{
    put_digits();
    const char body[] = "Content-Range: bytes 3-5/*\r\n\r\nabc";
    cr_assert_eq(
        zt_status("PATCH", "/v", "Content-Type: message/byterange\r\n", body, sizeof body - 1),
        204);
    zt_expect_value("/v", "012abc6789", 10);
}

Test(patch, message_byterange_past_end_416)
{
    put_digits();
    const char body[] = "Content-Range: bytes 12-13/*\r\n\r\nab";
    zt_expect_error_for("PATCH", "/v", "Content-Type: message/byterange\r\n", body, sizeof body - 1,
                        416);
    zt_expect_value("/v", "0123456789", 10);
}

#define MP_HDR "Content-Type: multipart/byteranges; boundary=PATCHB\r\n"

Test(patch, multipart_byteranges_applies_every_range)
{
    put_digits();
    const char body[] = "--PATCHB\r\n"
                        "Content-Range: bytes 0-1/*\r\n\r\n"
                        "AB\r\n"
                        "--PATCHB\r\n"
                        "Content-Type: application/octet-stream\r\n"
                        "Content-Range: bytes 6-8/*\r\n\r\n"
                        "GHI\r\n"
                        "--PATCHB--\r\n";
    cr_assert_eq(zt_status("PATCH", "/v", MP_HDR, body, sizeof body - 1), 204);
    zt_expect_value("/v", "AB2345GHI9", 10);
}

Test(patch, multipart_bad_second_range_changes_nothing)
{
    put_digits();
    const char past_end[] = "--PATCHB\r\n"
                            "Content-Range: bytes 0-1/*\r\n\r\n"
                            "AB\r\n"
                            "--PATCHB\r\n"
                            "Content-Range: bytes 40-41/*\r\n\r\n"
                            "YZ\r\n"
                            "--PATCHB--\r\n";
    zt_expect_error_for("PATCH", "/v", MP_HDR, past_end, sizeof past_end - 1, 416);
    zt_expect_value("/v", "0123456789", 10);

    const char bad_length[] = "--PATCHB\r\n"
                              "Content-Range: bytes 0-1/*\r\n\r\n"
                              "AB\r\n"
                              "--PATCHB\r\n"
                              "Content-Range: bytes 4-8/*\r\n\r\n"
                              "YZ\r\n"
                              "--PATCHB--\r\n";
    zt_expect_error_for("PATCH", "/v", MP_HDR, bad_length, sizeof bad_length - 1, 400);
    zt_expect_value("/v", "0123456789", 10);
}

Test(patch, multipart_malformed_body_400)
{
    put_digits();
    const char no_close[] = "--PATCHB\r\n"
                            "Content-Range: bytes 0-1/*\r\n\r\n"
                            "AB\r\n";
    zt_expect_error_for("PATCH", "/v", MP_HDR, no_close, sizeof no_close - 1, 400);
    const char no_range[] = "--PATCHB\r\n\r\nAB\r\n--PATCHB--\r\n";
    zt_expect_error_for("PATCH", "/v", MP_HDR, no_range, sizeof no_range - 1, 400);
    zt_expect_value("/v", "0123456789", 10);
}

Test(patch, unknown_media_type_415)
{
    put_digits();
    zt_expect_error_for("PATCH", "/v", "Content-Type: application/json-patch+json\r\n", "[]", 2,
                        415);
    zt_expect_value("/v", "0123456789", 10);
}
