/* test_cors.c: CORS (--cors-origin), header by header: preflights (204 with the allowed
 * methods, headers and max-age for an allowed origin, before any token check; 403 for another
 * origin), actual requests (Allow-Origin and Expose-Headers for an allowed origin, errors
 * included; nothing for another origin or without Origin), `*`, and no CORS header at all
 * without --cors-origin (OPTIONS is then an ordinary WebDAV OPTIONS). Bad values exit 2. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#define A   "Origin: http://a.example\r\n"
#define PRE "Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: range\r\n"

static void start_two_origins(void)
{
    zt_fixture_start_tokens("tok rw\n",
                            (const char *[]){"--cors-origin", "http://a.example", "--cors-origin",
                                             "http://b.example:8080/", NULL});
}

TestSuite(cors, .init = start_two_origins, .fini = zt_fixture_stop, .timeout = 60);

#define TOK "Authorization: Bearer tok\r\n"

/* Whether the comma-separated header value `list` names `item` (case-insensitively). */
static bool lists(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncasecmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0' || p[n] == ' '))
            return true;
        p = strchr(p, ',');
    }
    return false;
}

Test(cors, preflight_from_an_allowed_origin)
{
    zt_response r;
    /* No token: a browser never sends one on a preflight. */
    zt_do("OPTIONS", "/arr/c/0/0", A PRE, NULL, 0, &r);
    cr_assert_eq(r.status, 204);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "http://a.example");
    cr_assert(lists(zt_header(&r, "Vary"), "Origin"));
    const char *m = zt_header(&r, "Access-Control-Allow-Methods");
    static const char *const methods[] = {"GET",  "HEAD",     "PUT",   "PATCH", "DELETE",
                                          "POST", "PROPFIND", "MKCOL", "COPY",  "MOVE"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        cr_assert(lists(m, methods[i]), "Allow-Methods %s lacks %s", m, methods[i]);
    const char *h = zt_header(&r, "Access-Control-Allow-Headers");
    static const char *const headers[] = {"Range",         "If-Match",    "If-None-Match",
                                          "Content-Range", "Zarr-Shard",  "Authorization",
                                          "Content-Type",  "Destination", "Depth"};
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
        cr_assert(lists(h, headers[i]), "Allow-Headers %s lacks %s", h, headers[i]);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Max-Age"), "3600");
    cr_assert_null(zt_header(&r, "Access-Control-Allow-Credentials"));
    zt_response_free(&r);
    /* The second origin, configured with a trailing slash, and a service path. */
    zt_do("OPTIONS", "/_zarrd/metrics", "Origin: http://b.example:8080\r\n" PRE, NULL, 0, &r);
    cr_assert_eq(r.status, 204);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "http://b.example:8080");
    zt_response_free(&r);
}

Test(cors, preflight_from_another_origin_403)
{
    static const char *const others[] = {
        "Origin: http://evil.example\r\n", "Origin: http://a.example:80\r\n",
        "Origin: https://a.example\r\n", "Origin: null\r\n", "Origin: http://A.example\r\n"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        char hdr[256];
        snprintf(hdr, sizeof hdr, "%s" PRE, others[i]);
        zt_response r;
        zt_do("OPTIONS", "/k", hdr, NULL, 0, &r);
        zt_expect_error(&r, 403);
        cr_assert_null(zt_header(&r, "Access-Control-Allow-Origin"), "%s", others[i]);
        cr_assert_null(zt_header(&r, "Access-Control-Allow-Methods"));
        zt_response_free(&r);
    }
}

Test(cors, actual_requests)
{
    cr_assert_eq(zt_status("PUT", "/k", TOK A, "value", 5), 201);
    zt_response r;
    zt_do("GET", "/k", TOK A "Range: bytes=1-2\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 206);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "http://a.example");
    cr_assert(lists(zt_header(&r, "Vary"), "Origin"));
    const char *e = zt_header(&r, "Access-Control-Expose-Headers");
    static const char *const exposed[] = {"ETag", "Content-Range", "Content-Length",
                                          "Accept-Ranges", "Last-Modified"};
    for (size_t i = 0; i < sizeof exposed / sizeof *exposed; i++)
        cr_assert(lists(e, exposed[i]), "Expose-Headers %s lacks %s", e ? e : "", exposed[i]);
    zt_response_free(&r);
    /* Errors too, so a page can read why (a missing token here). */
    zt_do("GET", "/k", A, NULL, 0, &r);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "http://a.example");
    zt_response_free(&r);
    /* Another origin or no Origin: the answer, without CORS headers. */
    zt_do("GET", "/k", TOK "Origin: http://evil.example\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(zt_header(&r, "Access-Control-Allow-Origin"));
    cr_assert_null(zt_header(&r, "Access-Control-Expose-Headers"));
    zt_response_free(&r);
    zt_do("GET", "/k", TOK, NULL, 0, &r);
    cr_assert_null(zt_header(&r, "Access-Control-Allow-Origin"));
    zt_response_free(&r);
    /* OPTIONS without Access-Control-Request-Method is no preflight: WebDAV's, with CORS. */
    zt_do("OPTIONS", "/k", TOK A, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(zt_header(&r, "DAV"), "1");
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "http://a.example");
    zt_response_free(&r);
}

Test(cors, any_origin_with_star, .init = NULL, .fini = NULL)
{
    zt_fixture_start_args((const char *[]){"--cors-origin", "*", NULL});
    zt_response r;
    zt_do("OPTIONS", "/k", "Origin: http://whoever.example\r\n" PRE, NULL, 0, &r);
    cr_assert_eq(r.status, 204);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "*");
    cr_assert(!zt_header(&r, "Vary") || !lists(zt_header(&r, "Vary"), "Origin"),
              "* does not vary by origin");
    zt_response_free(&r);
    zt_do("GET", "/missing", "Origin: null\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 404);
    cr_assert_str_eq(zt_header(&r, "Access-Control-Allow-Origin"), "*");
    zt_response_free(&r);
    zt_fixture_stop();
}

Test(cors, none_without_cors_origin, .init = NULL, .fini = NULL)
{
    zt_fixture_start();
    zt_response r;
    zt_do("OPTIONS", "/k", A PRE, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "a preflight-shaped OPTIONS is an ordinary one: %d", r.status);
    cr_assert_str_eq(zt_header(&r, "DAV"), "1");
    for (size_t i = 0; i < r.nheaders; i++)
        cr_assert(strncasecmp(r.headers[i].name, "Access-Control-", 15) != 0, "%s sent",
                  r.headers[i].name);
    zt_response_free(&r);
    zt_put_str("/k", "v");
    zt_do("GET", "/k", A, NULL, 0, &r);
    for (size_t i = 0; i < r.nheaders; i++)
        cr_assert(strncasecmp(r.headers[i].name, "Access-Control-", 15) != 0, "%s sent",
                  r.headers[i].name);
    zt_response_free(&r);
    zt_fixture_stop();
}

Test(cors, bad_values_exit_2, .init = NULL, .fini = NULL)
{
    static const char *const bad[] = {
        "a.example", "http://a.example/path", "http://", "HTTP://a.example", "http://a b", "://x",
        ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int ws;
        zd_buf err = {0};
        cr_assert_eq(zt_zarrd_run((const char *[]){"--cors-origin", bad[i], "--version", NULL}, &ws,
                                  NULL, &err),
                     0);
        cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 2, "--cors-origin '%s' accepted", bad[i]);
        zd_buf_free(&err);
    }
}
