/* test_persistence.c (fs store): the root is a plain directory store. Files put there by other
 * tools are served and listed; values written through zarrd survive a restart; temporary
 * files a crashed server left behind (`.zarrd-tmp-*`, server/API.md) never show as keys. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char dir[PATH_MAX]; /* owned by the test: holds root/ across restarts */
static char root[PATH_MAX + 8];

static void make_root(void)
{
    cr_assert_eq(zt_tmpdir_create(dir, sizeof dir), 0);
    snprintf(root, sizeof root, "%s/root", dir);
    cr_assert_eq(mkdir(root, 0700), 0);
}

static void remove_root(void)
{
    zt_tmpdir_remove(dir);
}

TestSuite(persistence, .init = make_root, .fini = remove_root, .timeout = 60);

/* Write root/rel (parent directories made) with content. */
static void write_file(const char *rel, const char *content)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(content, f);
    fclose(f);
}

static void start_on_root(zt_server *s)
{
    zt_server_opts opts = {.store = "fs", .root = root};
    cr_assert_eq(zt_server_start(s, &opts), 0);
}

static void expect(zt_server *s, const char *target, int status, const char *body)
{
    zt_response r;
    cr_assert_eq(zt_request(s, "GET", target, NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, status, "GET %s: %d", target, r.status);
    if (body)
        cr_assert(r.body.len == strlen(body) && memcmp(r.body.data, body, r.body.len) == 0,
                  "GET %s: wrong value", target);
    zt_response_free(&r);
}

Test(persistence, files_placed_by_other_tools_are_served)
{
    write_file("arr/zarr.json", "{\"zarr_format\":3,\"node_type\":\"array\"}");
    write_file("arr/c/0/0", "chunk");
    zt_server s;
    start_on_root(&s);
    expect(&s, "/arr/zarr.json", 200, "{\"zarr_format\":3,\"node_type\":\"array\"}");
    expect(&s, "/arr/c/0/0", 200, "chunk");
    zt_response r;
    cr_assert_eq(zt_request(&s, "GET", "/arr/?recursive=1", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "c/0/0", 5));
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&s, NULL), 0);
}

Test(persistence, values_survive_a_restart)
{
    zt_server s;
    start_on_root(&s);
    zt_response r;
    cr_assert_eq(zt_request(&s, "PUT", "/g/k", NULL, "0123456789", 10, &r), 0);
    cr_assert_eq(r.status, 201);
    zt_response_free(&r);
    cr_assert_eq(zt_request(&s, "PATCH", "/g/k", "Content-Range: bytes 10-11/*\r\n", "ab", 2, &r),
                 0);
    cr_assert_eq(r.status, 204);
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&s, NULL), 0);

    start_on_root(&s);
    expect(&s, "/g/k", 200, "0123456789ab");
    cr_assert_eq(zt_request(&s, "PUT", "/g/k", NULL, "x", 1, &r), 0);
    cr_assert_eq(r.status, 204, "the restarted server did not see the key (PUT %d)", r.status);
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&s, NULL), 0);
}

Test(persistence, leftover_temporary_files_are_not_keys)
{
    write_file(".zarrd-tmp-1234-1", "half a put");
    write_file("a/.zarrd-tmp-1234-2", "half a put");
    write_file("a/real", "real");
    zt_server s;
    start_on_root(&s);
    zt_response r;
    cr_assert_eq(zt_request(&s, "GET", "/?recursive=1", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_null(memmem(r.body.data, r.body.len, ".zarrd-tmp", 10), "a temp file is listed: %.*s",
                   (int)r.body.len, (const char *)r.body.data);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "a/real", 6));
    zt_response_free(&r);
    expect(&s, "/a/real", 200, "real");
    cr_assert_eq(zt_server_stop(&s, NULL), 0);
}
