/* test_listing.c: listings `GET /prefix/` (and `/` for the root): the JSON form
 * {"prefix":..,"entries":[{"name":..,"size":..},{"name":"c/","dir":true}]} with names relative
 * to the prefix, `?recursive=1` for every key below, and HTML links when Accept prefers
 * text/html; names with characters special to JSON, HTML or URLs come through intact. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <cjson/cJSON.h>
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

Test(listing, html_when_accept_prefers_it)
{
    zt_response r;
    zt_do("GET", "/arr/", "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n", NULL, 0,
          &r);
    cr_assert_eq(r.status, 200);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "text/html", 9) == 0, "Content-Type %s", ct ? ct : "(none)");
    cr_assert_not_null(memmem(r.body.data, r.body.len, "href=\"", 6), "no links in the HTML");
    cr_assert_not_null(memmem(r.body.data, r.body.len, "zarr.json", 9));
    cr_assert_not_null(memmem(r.body.data, r.body.len, "c/", 2));
    zt_response_free(&r);
}

Test(listing, json_when_accept_prefers_json)
{
    cJSON *j = list("/arr/");
    cJSON_Delete(j);
    zt_response r;
    zt_do("GET", "/arr/", "Accept: text/html;q=0.5, application/json\r\n", NULL, 0, &r);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "application/json", 16) == 0, "Content-Type %s",
              ct ? ct : "(none)");
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
    zt_do("GET", "/odd/", "Accept: text/html\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(memmem(r.body.data, r.body.len, "<b>", 3), "a key name became HTML markup");
    cr_assert_null(memmem(r.body.data, r.body.len, "q\"x", 3), "a quote in a name was not escaped");
    cr_assert_not_null(memmem(r.body.data, r.body.len, "a&lt;b&gt;", 10), "a<b> not shown escaped");
    zt_response_free(&r);
}
