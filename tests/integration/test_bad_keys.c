/* test_bad_keys.c: keys that are not keys — `..`, `%2e%2e`, `.`, an encoded `/` or NUL,
 * backslash (raw or encoded), empty segments, bad percent escapes, more than 1024 bytes, and
 * (fs store) symlinks inside the root that point out of it. Every method answers 400 with a
 * JSON error and nothing is created or changed on disk or in the store. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TestSuite(bad_keys, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static const char *const bad_targets[] = {
    "/..",    "/a/../b",      "/../escape", "/%2e%2e/escape", "/a/%2E%2e/b", "/.",    "/a/./b",
    "/%2e/a", "/a%2Fb",       "/a%2fb",     "/a%00b",         "/%00",        "/a\\b", "/a%5Cb",
    "/a//b",  "//etc/passwd", "/a/b//",     "/a%zz",          "/a%2",        "/a%",
};

/* The shard endpoints on target answer 400: ?chunk= GET / PUT / DELETE and ?batch. */
static void expect_shard_refused(const char *target)
{
    static const char layout[] = "Zarr-Shard: chunks=4\r\n";
    static const char batch[] = "ZSB1\x01P\x00\x01x"; /* one dimension, put "x" at 0 */
    char t[2048];
    snprintf(t, sizeof t, "%s?chunk=0", target);
    zt_expect_error_for("GET", t, layout, NULL, 0, 400);
    zt_expect_error_for("PUT", t, layout, "data", 4, 400);
    zt_expect_error_for("DELETE", t, layout, NULL, 0, 400);
    zt_expect_error_for("PUT", t, NULL, "da", 2, 400); /* the layout lookup: no header */
    snprintf(t, sizeof t, "%s?batch", target);
    zt_expect_error_for("POST", t, layout, batch, sizeof batch - 1, 400);
}

/* Every method on target answers 400 (with a JSON error body where there is a body). */
static void expect_refused(const char *target)
{
    zt_expect_error_for("GET", target, NULL, NULL, 0, 400);
    cr_assert_eq(zt_status("HEAD", target, NULL, NULL, 0), 400, "HEAD %s", target);
    zt_expect_error_for("PUT", target, NULL, "data", 4, 400);
    zt_expect_error_for("PATCH", target, "Content-Range: bytes 0-3/*\r\n", "data", 4, 400);
    static const char msg[] = "Content-Range: bytes 0-1/*\r\n\r\nzz";
    zt_expect_error_for("PATCH", target, "Content-Type: message/byterange\r\n", msg, sizeof msg - 1,
                        400);
    static const char mp[] = "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nzz\r\n--B--\r\n";
    zt_expect_error_for("PATCH", target, "Content-Type: multipart/byteranges; boundary=B\r\n", mp,
                        sizeof mp - 1, 400);
    zt_expect_error_for("DELETE", target, NULL, NULL, 0, 400);
    char listing[2048];
    snprintf(listing, sizeof listing, "%s/?recursive=1", target);
    zt_expect_error_for("GET", listing, NULL, NULL, 0, 400);
    expect_shard_refused(target);
}

/* Nothing was stored: fs — the root is empty and nothing appeared beside it; memory — the
 * recursive root listing is empty. */
static void expect_nothing_stored(void)
{
    if (zt_store_is_fs()) {
        cr_assert_eq(zt_tmpdir_count(zt_srv()->root), 0, "files appeared under the root");
        /* root/, zarrd.out, zarrd.err and nothing else beside the root */
        cr_assert_eq(zt_tmpdir_count(zt_srv()->dir), 3, "files appeared outside the root");
        return;
    }
    zt_response r;
    zt_do("GET", "/?recursive=1", "Accept: application/json\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_null(memmem(r.body.data, r.body.len, "\"name\"", 6), "store not empty: %.*s",
                   (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
}

Test(bad_keys, reserved_server_names_400)
{
    /* server/API.md: segments starting with .zarrd- are the server's own (temporary files) */
    expect_refused("/.zarrd-tmp-1-1");
    expect_refused("/a/.zarrd-tmp-2a-3");
    expect_refused("/.zarrd-shards/x");
    expect_refused("/.zarrd-staging/tmp-1-1");
    expect_refused("/.zarrd-staging");
    expect_nothing_stored();
}

Test(bad_keys, escaping_and_malformed_keys_400)
{
    for (size_t i = 0; i < sizeof bad_targets / sizeof *bad_targets; i++)
        expect_refused(bad_targets[i]);
    expect_nothing_stored();
}

/* "/" + a key of exactly len bytes: segments of 200 bytes (each a valid file name). */
static void long_target(char *out, size_t len)
{
    char *key = out + 1;
    out[0] = '/';
    memset(key, 'k', len);
    key[len] = '\0';
    for (size_t p = 200; p + 1 < len; p += 201)
        key[p] = '/';
}

Test(bad_keys, key_of_1024_bytes_ok_1025_refused)
{
    char target[1100];
    long_target(target, 1025);
    expect_refused(target);
    expect_nothing_stored();
    long_target(target, 1024);
    cr_assert_eq(zt_status("PUT", target, NULL, "ok", 2), 201);
    zt_expect_value(target, "ok", 2);
}

/* fs store: root/link -> ../outside (a directory) and root/flink -> ../outside/secret. */
static void plant_symlinks(char *outside, size_t cap)
{
    cr_assert((size_t)snprintf(outside, cap, "%.4000s/outside", zt_srv()->dir) < cap);
    cr_assert_eq(mkdir(outside, 0700), 0);
    char path[PATH_MAX + 32], target[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/secret", outside);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("secret", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/link", zt_srv()->root);
    cr_assert_eq(symlink(outside, path), 0);
    snprintf(path, sizeof path, "%s/flink", zt_srv()->root);
    snprintf(target, sizeof target, "%s/secret", outside);
    cr_assert_eq(symlink(target, path), 0);
}

static void expect_outside_untouched(const char *outside)
{
    cr_assert_eq(zt_tmpdir_count(outside), 1, "files appeared in the outside directory");
    char path[PATH_MAX + 32], buf[32] = {0};
    snprintf(path, sizeof path, "%s/secret", outside);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "the outside file is gone");
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    cr_assert(n == 6 && strcmp(buf, "secret") == 0, "the outside file changed: %s", buf);
}

Test(bad_keys, symlink_pointing_out_of_the_root_400)
{
    if (!zt_store_is_fs()) cr_skip_test("symlinks exist only in the fs store");
    char outside[PATH_MAX];
    plant_symlinks(outside, sizeof outside);
    expect_refused("/link/secret");
    expect_refused("/link/new");
    expect_refused("/link/sub/new");
    expect_refused("/flink");
    expect_outside_untouched(outside);
    char path[PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/flink", zt_srv()->root);
    cr_assert_eq(lstat(path, &st), 0, "the symlink itself was removed");
    cr_assert(S_ISLNK(st.st_mode), "the symlink was replaced");
}
