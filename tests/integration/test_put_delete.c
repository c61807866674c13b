/* test_put_delete.c: PUT (201 new, 204 replaced, parents made, empty values, the fs store is a
 * plain directory store with no temporary files left behind, 409 when a value and a prefix
 * would share a name — server/API.md, for every store), DELETE (204, idempotent), and 405 for
 * other methods and for writes on a listing or a service endpoint. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(put_delete, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* Every value the store holds, as the recursive root listing names them: "name:size" lines
 * (keys hold no control characters) in the listing's (byte) order. Caller frees. */
static char *stored_values(void)
{
    zt_response r;
    zt_do("GET", "/?recursive=1", "Accept: application/json\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cJSON *j = cJSON_ParseWithLength((const char *)r.body.data, r.body.len);
    cr_assert_not_null(j, "the listing is not JSON: %.*s", (int)r.body.len, (char *)r.body.data);
    zt_response_free(&r);
    zd_buf out = {0};
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "entries"))
    {
        cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
        cr_assert(cJSON_IsString(name) && cJSON_IsNumber(size), "listing entry without name/size");
        zd_buf_appendf(&out, "%s%s:%.0f", out.len ? "\n" : "", name->valuestring,
                       size->valuedouble);
    }
    cJSON_Delete(j);
    zd_buf_append(&out, "", 1);
    return (char *)out.data;
}

/* The store holds exactly these values (lines as stored_values gives them). */
static void expect_values(const char *want)
{
    char *got = stored_values();
    cr_assert_str_eq(got, want, "store %s holds [%s], expected [%s]", zt_srv()->store, got, want);
    free(got);
}

/* fs store: the file under the root holding key (a plain directory store) is exactly value. */
static void expect_file(const char *key, const char *value)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", zt_srv()->root, key);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "fs store: no file %s", path);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_eq(n, strlen(value), "fs store: %s holds %zu bytes", path, n);
    cr_assert_eq(memcmp(buf, value, n), 0, "fs store: %s has wrong bytes", path);
}

/* Every store lists key with value's size; the fs store also holds it as a plain file. */
static void expect_stored(const char *key, const char *value)
{
    char *all = stored_values(), want[1200];
    snprintf(want, sizeof want, "%s:%zu", key, strlen(value));
    bool found = false;
    for (char *save, *tok = strtok_r(all, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
        found |= strcmp(tok, want) == 0;
    cr_assert(found, "store %s: the listing has no %s", zt_srv()->store, want);
    free(all);
    if (zt_store_is_fs()) expect_file(key, value);
}

Test(put_delete, new_key_201_then_replace_204)
{
    cr_assert_eq(zt_status("PUT", "/k", NULL, "first", 5), 201);
    zt_expect_value("/k", "first", 5);
    cr_assert_eq(zt_status("PUT", "/k", NULL, "second value", 12), 204);
    zt_expect_value("/k", "second value", 12);
    cr_assert_eq(zt_status("PUT", "/k", NULL, "3", 1), 204);
    zt_expect_value("/k", "3", 1);
    expect_stored("k", "3");
}

/* fs store: write `value` at key under the root behind the server's back. */
static void plant_file(const char *key, const char *value)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", zt_srv()->root, key);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot plant %s", path);
    fputs(value, f);
    fclose(f);
}

/* Once PUTs into a directory have made new keys, the next one there is guessed new and linked
 * without a look (server/API.md, PUT): whatever the link finds there is still looked at and
 * treated as it would be otherwise. A replaced value is 204, not 201; a directory is 409 and
 * keeps its members; on the fs store, a file put there behind the server's back is replaced
 * (204), and a symbolic link is refused (400) and stays. */
Test(put_delete, a_put_guessed_new_still_sees_what_is_there)
{
    cr_assert_eq(zt_status("PUT", "/d/a", NULL, "1", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/b", NULL, "2", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/a", NULL, "again", 5), 204);
    zt_expect_value("/d/a", "again", 5);
    cr_assert_eq(zt_status("PUT", "/d/sub/x", NULL, "x", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/c", NULL, "3", 1), 201);
    zt_expect_error_for("PUT", "/d/sub", NULL, "v", 1, 409);
    zt_expect_value("/d/sub/x", "x", 1);
    cr_assert_eq(zt_status("PUT", "/d/e", NULL, "4", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/a", NULL, "third", 5), 204);
    zt_expect_value("/d/a", "third", 5);
    if (!zt_store_is_fs()) return;
    plant_file("d/planted", "old");
    cr_assert_eq(zt_status("PUT", "/d/f", NULL, "5", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/planted", NULL, "new", 3), 204);
    zt_expect_value("/d/planted", "new", 3);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/d/sl", zt_srv()->root);
    cr_assert_eq(symlink("b", path), 0);
    cr_assert_eq(zt_status("PUT", "/d/g", NULL, "6", 1), 201);
    zt_expect_error_for("PUT", "/d/sl", NULL, "data", 4, 400);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "the symlink was removed");
    cr_assert(S_ISLNK(st.st_mode), "the symlink was replaced");
    zt_expect_value("/d/b", "2", 1);
    expect_file("d/planted", "new");
}

/* Several writes of one directory answered in one event-loop turn use the directory resolved
 * for the first (server/keyspace/ks_turn.c) unless it was removed meanwhile: a DELETE that
 * prunes the emptied directory between two PUTs, in one pipelined send, leaves the second
 * PUT a new directory, every answer right, and exactly the values written. */
Test(put_delete, pipelined_writes_outlive_their_directory_being_pruned)
{
    static const char batch[] = "PUT /q/a HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n1"
                                "PUT /q/b HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n2"
                                "DELETE /q/a HTTP/1.1\r\nHost: t\r\n\r\n"
                                "DELETE /q/b HTTP/1.1\r\nHost: t\r\n\r\n"
                                "PUT /q/c HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n3"
                                "PUT /q/d HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n4"
                                "DELETE /q/c HTTP/1.1\r\nHost: t\r\n\r\n"
                                "PUT /q/e HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n5";
    static const int want[] = {201, 201, 204, 204, 201, 201, 204, 201};
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, batch, sizeof batch - 1), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        zt_response r;
        cr_assert_eq(zt_read_response(&c, &r, false), 0, "no answer %zu", i + 1);
        cr_assert_eq(r.status, want[i], "answer %zu: %d, expected %d", i + 1, r.status, want[i]);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    expect_values("q/d:1\nq/e:1");
    if (zt_store_is_fs()) {
        expect_file("q/d", "4");
        expect_file("q/e", "5");
    }
}

Test(put_delete, put_makes_parent_directories)
{
    cr_assert_eq(zt_status("PUT", "/a/b/c/zarr.json", NULL, "{}", 2), 201);
    cr_assert_eq(zt_status("PUT", "/a/b/c/0/1/2", NULL, "xyz", 3), 201);
    zt_expect_value("/a/b/c/zarr.json", "{}", 2);
    zt_expect_value("/a/b/c/0/1/2", "xyz", 3);
    expect_stored("a/b/c/zarr.json", "{}");
    expect_stored("a/b/c/0/1/2", "xyz");
}

Test(put_delete, empty_value)
{
    cr_assert_eq(zt_status("PUT", "/empty", NULL, "", 0), 201);
    zt_expect_value("/empty", "", 0);
    expect_stored("empty", "");
}

Test(put_delete, percent_encoded_key_is_decoded)
{
    cr_assert_eq(zt_status("PUT", "/sp%20ace/x%41", NULL, "v", 1), 201);
    zt_expect_value("/sp%20ace/x%41", "v", 1);
    zt_expect_value("/sp%20ace/xA", "v", 1);
    expect_stored("sp ace/xA", "v");
}

Test(put_delete, store_holds_only_the_keys)
{
    cr_assert_eq(zt_status("PUT", "/d/one", NULL, "1", 1), 201);
    cr_assert_eq(zt_status("PUT", "/d/one", NULL, "11", 2), 204);
    cr_assert_eq(zt_status("PUT", "/two", NULL, "2", 1), 201);
    expect_values("d/one:2\ntwo:1"); /* a replaced value is listed once, with its new size */
    if (zt_store_is_fs()) { /* the on-disk layout: d/, d/one, two and the empty staging dir */
        cr_assert_eq(zt_tmpdir_count(zt_srv()->root), 4);
        char staging[PATH_MAX + 32];
        snprintf(staging, sizeof staging, "%s/.zarrd-staging", zt_srv()->root);
        cr_assert_eq(zt_tmpdir_count(staging), 0, "a temp file was left in the staging area");
    }
}

Test(put_delete, delete_is_idempotent_204)
{
    zt_put_str("/gone", "bye");
    cr_assert_eq(zt_status("DELETE", "/gone", NULL, NULL, 0), 204);
    zt_expect_error_for("GET", "/gone", NULL, NULL, 0, 404);
    cr_assert_eq(zt_status("DELETE", "/gone", NULL, NULL, 0), 204);
    cr_assert_eq(zt_status("DELETE", "/never/existed", NULL, NULL, 0), 204);
    expect_values(""); /* nothing is listed, on every store */
    if (zt_store_is_fs()) {
        char path[PATH_MAX + 8];
        struct stat st;
        snprintf(path, sizeof path, "%s/gone", zt_srv()->root);
        cr_assert_neq(stat(path, &st), 0, "fs store: the file is still there");
    }
}

Test(put_delete, delete_then_put_is_new_again)
{
    zt_put_str("/x/y", "1");
    cr_assert_eq(zt_status("DELETE", "/x/y", NULL, NULL, 0), 204);
    cr_assert_eq(zt_status("PUT", "/x/y", NULL, "2", 1), 201);
    zt_expect_value("/x/y", "2", 1);
}

Test(put_delete, value_and_prefix_of_one_name_409)
{
    zt_put_str("/arr/x", "x");
    zt_expect_error_for("PUT", "/arr", NULL, "y", 1, 409); /* a prefix is in the way */
    zt_expect_error_for("GET", "/arr", NULL, NULL, 0, 404);
    zt_put_str("/f", "w");
    zt_expect_error_for("PUT", "/f/g", NULL, "z", 1, 409); /* a value is in the way */
    zt_expect_error_for("GET", "/f/g", NULL, NULL, 0, 404);
    zt_expect_value("/f", "w", 1);
    zt_expect_value("/arr/x", "x", 1);
}

/* A large body under a value is refused before it is sent: its `Expect: 100-continue` gets
 * the 409, never a 100 (a body of at most 64 KiB is read first, then refused by the commit
 * with the same 409: the test above). */
Test(put_delete, large_body_under_a_value_is_refused_before_it_is_sent)
{
    zt_put_str("/f", "w");
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /f/g HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n"
                              "Expect: 100-continue\r\n\r\n"),
                 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    cr_assert_eq(r.status, 409, "status %d before the body", r.status);
    zt_response_free(&r);
    zt_conn_close(&c);
    zt_expect_error_for("GET", "/f/g", NULL, NULL, 0, 404);
    zt_expect_value("/f", "w", 1);
}

Test(put_delete, many_nested_keys_all_readable)
{
    /* Thousands of new names, most with new parent prefixes: the memory store's table grows
     * several times while it adds directory entries (a growth once left a stale slot behind:
     * a crash found by the bench smoke test). */
    char key[64], value[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "/g%d/c/%d/%d", i % 7, i, i % 3);
        snprintf(value, sizeof value, "v%d", i);
        cr_assert_eq(zt_status("PUT", key, NULL, value, strlen(value)), 201, "PUT %s", key);
    }
    for (int i = 0; i < 3000; i += 97) {
        snprintf(key, sizeof key, "/g%d/c/%d/%d", i % 7, i, i % 3);
        snprintf(value, sizeof value, "v%d", i);
        zt_expect_value(key, value, strlen(value));
    }
}

/* method target: 405 with a JSON error and an Allow header. */
static void expect_405(const char *method, const char *target, const void *body, size_t len)
{
    zt_response r;
    zt_do(method, target, NULL, body, len, &r);
    zt_expect_error(&r, 405);
    cr_assert_not_null(zt_header(&r, "Allow"), "%s %s: 405 without Allow", method, target);
    zt_response_free(&r);
}

/* Methods neither the API nor its WebDAV subset has (WebDAV locks among them), and writes on
 * a listing (a trailing slash) or a service endpoint: 405, and nothing below the prefix is
 * created or deleted. (DELETE of a prefix is a WebDAV collection DELETE: tests/web.) */
Test(put_delete, other_methods_and_writes_on_listings_405)
{
    zt_put_str("/dir/k", "v");
    expect_405("POST", "/dir/k", "x", 1);
    expect_405("LOCK", "/dir/k", NULL, 0);
    expect_405("UNLOCK", "/dir/k", NULL, 0);
    expect_405("REPORT", "/dir/", NULL, 0);
    expect_405("PUT", "/dir/", "x", 1);
    expect_405("PATCH", "/dir/", "x", 1);
    expect_405("POST", "/dir/", "x", 1);
    cr_assert_eq(zt_status("DELETE", "/", NULL, NULL, 0), 403, "DELETE / must be refused");
    expect_405("PUT", "/_zarrd/health", "x", 1);
    expect_405("DELETE", "/_zarrd/metrics", NULL, 0);
    zt_expect_value("/dir/k", "v", 1);
    zt_expect_error_for("GET", "/dir/new", NULL, NULL, 0, 404);
    cr_assert_eq(zt_status("GET", "/_zarrd/health", NULL, NULL, 0), 200);
    expect_stored("dir/k", "v");
}
