/* test_conditional.c: strong ETags and the RFC 9110 13 preconditions on GET, HEAD, PUT, PATCH
 * and DELETE: If-None-Match (304 on GET/HEAD, `*` for create-only PUT, 412 otherwise) and
 * If-Match (412 on mismatch, nothing changed). */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(conditional, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* The ETag of target (asserts 200 and a strong tag); caller frees. */
static char *etag_of(const char *target)
{
    zt_response r;
    zt_do("GET", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
    const char *e = zt_header(&r, "ETag");
    cr_assert(e && e[0] == '"' && strlen(e) >= 2 && e[strlen(e) - 1] == '"',
              "GET %s: no strong ETag (%s)", target, e ? e : "none");
    char *copy = strdup(e);
    zt_response_free(&r);
    return copy;
}

/* "Name: value\r\n" into a static buffer. */
static const char *hdr(const char *name, const char *value)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s: %s\r\n", name, value);
    return buf;
}

Test(conditional, etag_is_stable_and_changes_with_every_write)
{
    zt_put_str("/e", "one");
    char *a = etag_of("/e");
    char *a2 = etag_of("/e");
    cr_assert_str_eq(a, a2, "ETag changed without a write");
    zt_put_str("/e", "two");
    char *b = etag_of("/e");
    cr_assert_str_neq(a, b, "PUT did not change the ETag");
    /* Two PATCHes in quick succession keep the size: each must still change the tag. */
    cr_assert_eq(zt_status("PATCH", "/e", "Content-Range: bytes 0-0/*\r\n", "x", 1), 204);
    char *c = etag_of("/e");
    cr_assert_eq(zt_status("PATCH", "/e", "Content-Range: bytes 0-0/*\r\n", "y", 1), 204);
    char *d = etag_of("/e");
    cr_assert_str_neq(b, c, "PATCH did not change the ETag");
    cr_assert_str_neq(c, d, "second PATCH did not change the ETag");
    free(a);
    free(a2);
    free(b);
    free(c);
    free(d);
}

Test(conditional, create_only_put_with_if_none_match_star)
{
    cr_assert_eq(zt_status("PUT", "/c", "If-None-Match: *\r\n", "first", 5), 201);
    zt_expect_error_for("PUT", "/c", "If-None-Match: *\r\n", "second", 6, 412);
    zt_expect_value("/c", "first", 5);
}

Test(conditional, put_if_match)
{
    zt_put_str("/m", "v1");
    char *tag = etag_of("/m");
    zt_expect_error_for("PUT", "/m", hdr("If-Match", "\"not-the-tag\""), "v2", 2, 412);
    zt_expect_value("/m", "v1", 2);
    cr_assert_eq(zt_status("PUT", "/m", hdr("If-Match", tag), "v2", 2), 204);
    zt_expect_value("/m", "v2", 2);
    /* the old tag no longer matches */
    zt_expect_error_for("PUT", "/m", hdr("If-Match", tag), "v3", 2, 412);
    zt_expect_value("/m", "v2", 2);
    free(tag);
}

Test(conditional, if_match_on_missing_key_412)
{
    zt_expect_error_for("PUT", "/absent", "If-Match: *\r\n", "v", 1, 412);
    zt_expect_error_for("GET", "/absent", NULL, NULL, 0, 404);
    zt_expect_error_for("PUT", "/absent", "If-Match: \"abc\"\r\n", "v", 1, 412);
    zt_expect_error_for("GET", "/absent", NULL, NULL, 0, 404);
}

Test(conditional, if_match_star_on_existing_key)
{
    zt_put_str("/s", "old");
    cr_assert_eq(zt_status("PUT", "/s", "If-Match: *\r\n", "new", 3), 204);
    zt_expect_value("/s", "new", 3);
}

Test(conditional, get_and_head_if_none_match_304)
{
    zt_put_str("/g", "value");
    char *tag = etag_of("/g");
    zt_response r;
    zt_do("GET", "/g", hdr("If-None-Match", tag), NULL, 0, &r);
    cr_assert_eq(r.status, 304);
    cr_assert_eq(r.body.len, 0);
    cr_assert_str_eq(zt_header(&r, "ETag"), tag, "304 must carry the ETag");
    zt_response_free(&r);
    cr_assert_eq(zt_status("HEAD", "/g", hdr("If-None-Match", tag), NULL, 0), 304);

    char list[300];
    snprintf(list, sizeof list, "\"other\", %s", tag);
    cr_assert_eq(zt_status("GET", "/g", hdr("If-None-Match", list), NULL, 0), 304);
    snprintf(list, sizeof list, "W/%s", tag); /* If-None-Match compares weakly */
    cr_assert_eq(zt_status("GET", "/g", hdr("If-None-Match", list), NULL, 0), 304);
    cr_assert_eq(zt_status("GET", "/g", "If-None-Match: *\r\n", NULL, 0), 304);
    cr_assert_eq(zt_status("GET", "/g", "If-None-Match: \"other\"\r\n", NULL, 0), 200);
    free(tag);
}

Test(conditional, get_if_match)
{
    zt_put_str("/g", "value");
    char *tag = etag_of("/g");
    cr_assert_eq(zt_status("GET", "/g", hdr("If-Match", tag), NULL, 0), 200);
    zt_expect_error_for("GET", "/g", "If-Match: \"other\"\r\n", NULL, 0, 412);
    char weak[300];
    snprintf(weak, sizeof weak, "W/%s", tag); /* If-Match compares strongly */
    zt_expect_error_for("GET", "/g", hdr("If-Match", weak), NULL, 0, 412);
    free(tag);
}

Test(conditional, patch_if_match)
{
    zt_put_str("/p", "0123");
    char *tag = etag_of("/p");
    char h[512];
    snprintf(h, sizeof h, "Content-Range: bytes 0-0/*\r\nIf-Match: \"other\"\r\n");
    zt_expect_error_for("PATCH", "/p", h, "X", 1, 412);
    zt_expect_value("/p", "0123", 4);
    snprintf(h, sizeof h, "Content-Range: bytes 0-0/*\r\nIf-Match: %s\r\n", tag);
    cr_assert_eq(zt_status("PATCH", "/p", h, "X", 1), 204);
    zt_expect_value("/p", "X123", 4);
    free(tag);
}

Test(conditional, delete_if_match)
{
    zt_put_str("/d", "keep");
    char *tag = etag_of("/d");
    zt_expect_error_for("DELETE", "/d", "If-Match: \"other\"\r\n", NULL, 0, 412);
    zt_expect_value("/d", "keep", 4);
    cr_assert_eq(zt_status("DELETE", "/d", hdr("If-Match", tag), NULL, 0), 204);
    zt_expect_error_for("GET", "/d", NULL, NULL, 0, 404);
    free(tag);
}

Test(conditional, put_if_none_match_etag_412)
{
    zt_put_str("/n", "v1");
    char *tag = etag_of("/n");
    zt_expect_error_for("PUT", "/n", hdr("If-None-Match", tag), "v2", 2, 412);
    zt_expect_value("/n", "v1", 2);
    cr_assert_eq(zt_status("PUT", "/n", "If-None-Match: \"other\"\r\n", "v2", 2), 204);
    free(tag);
}
