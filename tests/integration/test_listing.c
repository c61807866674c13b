/* test_listing.c: listings `GET /prefix/` (and `/` for the root): the JSON form
 * {"prefix":..,"entries":[{"name":..,"size":..,"mtime":..},{"name":"c/","dir":true}]} with
 * names relative to the prefix, `?recursive=1` for every key below; content negotiation (JSON
 * only when asked for by name: `Accept: application/json` by q-value or `?format=json`; HTML
 * for `* / *`, no Accept and browsers); the HTML page's relative links, sizes and dates; names
 * with characters special to JSON, HTML or URLs come through intact. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <strings.h>

static void fill_tree(void)
{
    zt_fixture_start();
    zt_put_str("/arr/zarr.json", "{\"zarr_format\":3}");
    zt_put_str("/arr/c/0/0", "aaaa");
    zt_put_str("/arr/c/0/1", "bb");
    zt_put_str("/arr/c/1/0", "c");
    zt_put_str("/top", "12345");
}

TestSuite(listing, .init = fill_tree, .fini = zt_fixture_stop, .timeout = 60);

/* GET target as JSON; asserts 200, a JSON body and the listing shape. Caller deletes. */
static cJSON *list(const char *target)
{
    zt_response r;
    zt_do("GET", target, "Accept: application/json\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "application/json", 16) == 0, "GET %s: Content-Type %s", target,
              ct ? ct : "(none)");
    cJSON *j = cJSON_ParseWithLength((const char *)r.body.data, r.body.len);
    cr_assert_not_null(j, "GET %s: not JSON: %.*s", target, (int)r.body.len,
                       (const char *)r.body.data);
    cr_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "prefix")), "no \"prefix\"");
    cr_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "entries")), "no \"entries\"");
    zt_response_free(&r);
    return j;
}

/* The entry called name, or NULL. */
static cJSON *entry(cJSON *listing, const char *name)
{
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(listing, "entries"))
    {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return e;
    }
    return NULL;
}

static void expect_file_entry(cJSON *listing, const char *name, double size)
{
    cJSON *e = entry(listing, name);
    cr_assert_not_null(e, "no entry %s", name);
    cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "size");
    cr_assert(cJSON_IsNumber(s) && s->valuedouble == size, "entry %s: size must be %g", name, size);
    cr_assert(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "dir")), "%s is no dir", name);
}

static void expect_dir_entry(cJSON *listing, const char *name)
{
    cJSON *e = entry(listing, name);
    cr_assert_not_null(e, "no entry %s", name);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "dir")), "%s: dir must be true",
              name);
}

static int count(cJSON *listing)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(listing, "entries"));
}

Test(listing, root)
{
    cJSON *j = list("/");
    expect_dir_entry(j, "arr/");
    expect_file_entry(j, "top", 5);
    cr_assert_eq(count(j), 2);
    cJSON_Delete(j);
}

Test(listing, prefix_shows_files_and_subdirectories)
{
    cJSON *j = list("/arr/");
    expect_file_entry(j, "zarr.json", 17);
    expect_dir_entry(j, "c/");
    cr_assert_eq(count(j), 2);
    cJSON_Delete(j);

    j = list("/arr/c/0/");
    expect_file_entry(j, "0", 4);
    expect_file_entry(j, "1", 2);
    cr_assert_eq(count(j), 2);
    cJSON_Delete(j);
}

Test(listing, recursive_lists_every_key_below)
{
    cJSON *j = list("/arr/?recursive=1");
    expect_file_entry(j, "zarr.json", 17);
    expect_file_entry(j, "c/0/0", 4);
    expect_file_entry(j, "c/0/1", 2);
    expect_file_entry(j, "c/1/0", 1);
    int files = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "entries"))
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "dir"))) files++;
    }
    cr_assert_eq(files, 4);
    cJSON_Delete(j);
}

Test(listing, deleted_keys_disappear)
{
    cr_assert_eq(zt_status("DELETE", "/arr/c/1/0", NULL, NULL, 0), 204);
    cJSON *j = list("/arr/c/?recursive=1");
    cr_assert_null(entry(j, "1/0"));
    expect_file_entry(j, "0/0", 4);
    cJSON_Delete(j);
}

/* GET target with headers; asserts 200 and returns whether the answer is JSON (else HTML). */
static bool answers_json(const char *target, const char *headers)
{
    zt_response r;
    zt_do("GET", target, headers, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s [%s]: %d", target, headers ? headers : "", r.status);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert_not_null(ct);
    bool json = strncasecmp(ct, "application/json", 16) == 0;
    cr_assert(json || strncasecmp(ct, "text/html", 9) == 0, "Content-Type %s", ct);
    const char *vary = zt_header(&r, "Vary");
    cr_assert(vary && strcasestr(vary, "accept"), "no Vary: Accept");
    if (json) {
        cJSON *j = cJSON_ParseWithLength((const char *)r.body.data, r.body.len);
        cr_assert_not_null(j);
        cJSON_Delete(j);
    } else {
        cr_assert_not_null(memmem(r.body.data, r.body.len, "<!DOCTYPE html>", 15));
    }
    zt_response_free(&r);
    return json;
}

Test(listing, html_unless_json_is_asked_for_by_name)
{
    /* Generic clients (fsspec/aiohttp, rclone, curl) send * / * or nothing: HTML. */
    cr_assert_not(answers_json("/arr/", NULL));
    cr_assert_not(answers_json("/arr/", "Accept: */*\r\n"));
    cr_assert_not(answers_json("/arr/", "Accept: application/*\r\n"));
    cr_assert_not(answers_json(
        "/arr/", "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"));
    /* JSON by name, with q-values honoured. */
    cr_assert(answers_json("/arr/", "Accept: application/json\r\n"));
    cr_assert(answers_json("/arr/", "Accept: application/json, */*;q=0.1\r\n"));
    cr_assert(answers_json("/arr/", "Accept: text/html;q=0.5, application/json\r\n"));
    cr_assert_not(answers_json("/arr/", "Accept: text/html, application/json;q=0.9\r\n"));
    cr_assert_not(answers_json("/arr/", "Accept: application/json;q=0, */*\r\n"));
    /* ?format= overrides Accept both ways. */
    cr_assert(answers_json("/arr/?format=json", NULL));
    cr_assert(answers_json("/arr/?recursive=1&format=json", "Accept: text/html\r\n"));
    cr_assert_not(answers_json("/arr/?format=html", "Accept: application/json\r\n"));
    zt_expect_error_for("GET", "/arr/?format=xml", NULL, NULL, 0, 400);
}

Test(listing, json_entries_carry_mtime)
{
    /* One second of slack each way: zarrd stamps with the fine clock, the kernel and time()
     * read the coarse one, which lags it by up to a tick across a second boundary (seen once
     * in ten suite runs). */
    time_t before = time(NULL) - 1;
    zt_put_str("/m/v", "x");
    time_t after = time(NULL) + 1;
    cJSON *j = list("/m/");
    cJSON *mt = cJSON_GetObjectItemCaseSensitive(entry(j, "v"), "mtime");
    cr_assert(cJSON_IsNumber(mt), "no mtime");
    cr_assert(mt->valuedouble >= (double)before && mt->valuedouble <= (double)after,
              "mtime %g outside [%ld, %ld]", mt->valuedouble, (long)before, (long)after);
    cJSON_Delete(j);
}

/* The HTML page of target (asserts 200 text/html); caller frees. */
static void html(const char *target, zt_response *r)
{
    zt_do("GET", target, "Accept: text/html\r\n", NULL, 0, r);
    cr_assert_eq(r->status, 200);
    const char *ct = zt_header(r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "text/html", 9) == 0, "Content-Type %s", ct ? ct : "(none)");
    zd_buf_append(&r->body, "", 1); /* NUL-terminated for strstr */
}

Test(listing, html_rows_link_relative_with_size_and_date)
{
    zt_response r;
    html("/arr/", &r);
    const char *b = (const char *)r.body.data;
    /* Relative links; directories end in '/'; the parent link for a non-root page. */
    cr_assert_not_null(strstr(b, "<a href=\"zarr.json\">zarr.json</a></td><td class=\"n\">17</td>"),
                       "%s", b);
    cr_assert_not_null(strstr(b, "<a href=\"c/\">c/</a>"), "%s", b);
    cr_assert_not_null(strstr(b, "<a href=\"../\">../</a>"), "%s", b);
    cr_assert_null(strstr(b, "href=\"/"), "an absolute link: %s", b);
    /* The value's date as an HTTP date, the same the GET's Last-Modified says. */
    zt_response g;
    zt_do("GET", "/arr/zarr.json", NULL, NULL, 0, &g);
    const char *lm = zt_header(&g, "Last-Modified");
    cr_assert_not_null(lm);
    char cell[64];
    snprintf(cell, sizeof cell, "<td>%s</td>", lm);
    cr_assert_not_null(strstr(b, cell), "no %s in %s", cell, b);
    zt_response_free(&g);
    zt_response_free(&r);

    html("/", &r);
    b = (const char *)r.body.data;
    cr_assert_null(strstr(b, "href=\"../\""), "the root has no parent link");
    cr_assert_not_null(strstr(b, "<a href=\"arr/\">arr/</a>"));
    zt_response_free(&r);

    /* Recursive listings link every value by its path relative to the prefix. */
    html("/arr/?recursive=1", &r);
    cr_assert_not_null(strstr((const char *)r.body.data, "<a href=\"c/0/1\">c/0/1</a>"));
    zt_response_free(&r);
}

Test(listing, special_names_are_escaped)
{
    zt_put_str("/odd/a%3Cb%3E", "1");  /* a<b> */
    zt_put_str("/odd/q%22x", "22");    /* q"x */
    zt_put_str("/odd/amp%26%27", "3"); /* amp&' */
    zt_put_str("/odd/sp%20%25", "4");  /* "sp %" */
    cJSON *j = list("/odd/");
    expect_file_entry(j, "a<b>", 1);
    expect_file_entry(j, "q\"x", 2);
    expect_file_entry(j, "amp&'", 1);
    expect_file_entry(j, "sp %", 1);
    cJSON_Delete(j);

    zt_response r;
    html("/odd/", &r);
    const char *b = (const char *)r.body.data;
    cr_assert_null(strstr(b, "<b>"), "a key name became HTML markup");
    cr_assert_null(strstr(b, "q\"x"), "a quote in a name was not escaped");
    cr_assert_not_null(strstr(b, ">a&lt;b&gt;</a>"), "a<b> not shown escaped");
    /* Links are percent-encoded key paths (and then HTML-escaped). */
    cr_assert_not_null(strstr(b, "href=\"a%3Cb%3E\""), "%s", b);
    cr_assert_not_null(strstr(b, "href=\"q%22x\""), "%s", b);
    cr_assert_not_null(strstr(b, "href=\"sp%20%25\""), "%s", b);
    zt_response_free(&r);
    /* A ':' in a name is encoded, so a relative link never reads as a URL scheme. */
    zt_put_str("/odd/http:x", "5");
    html("/odd/", &r);
    cr_assert_not_null(strstr((const char *)r.body.data, "href=\"http%3Ax\""));
    zt_response_free(&r);
}
