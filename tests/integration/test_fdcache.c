/* test_fdcache.c: the fs store's descriptor and metadata cache (server/keyspace/fdcache.h) never
 * serves a value zarrd itself has changed, and bounds what it may serve after an edit made
 * behind zarrd's back. Each case GETs a key first (so its descriptor is cached), changes it,
 * and GETs it again on the same connection: every kind of change through the key space (PUT,
 * raw PATCH, multi-range PATCH, DELETE, a shard patch) must show at once, with a new ETag; a
 * deleted value's file must not be kept open; a file replaced in the data directory by another
 * process must show within a few seconds (the cache's bound is 1 s). Small values are kept in
 * memory by the cache once read whole: ranges read before and after that must give the
 * value's own bytes. fs store only. */
#include "zt_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

TestSuite(fdcache, .init = zt_fixture_start, .fini = zt_fixture_stop);

/* GET target on c; returns its body as a NUL-terminated string (static, overwritten) and the
 * ETag in etag (if not NULL). */
static const char *get_on(zt_conn *c, const char *target, int want_status, char *etag)
{
    static char body[4096];
    zt_response r;
    cr_assert_eq(zt_send_request(c, "GET", target, NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_response(c, &r, false), 0);
    cr_assert_eq(r.status, want_status, "GET %s: %d", target, r.status);
    size_t n = r.body.len < sizeof body - 1 ? r.body.len : sizeof body - 1;
    memcpy(body, r.body.data, n);
    body[n] = '\0';
    if (etag) snprintf(etag, 96, "%s", zt_header(&r, "etag") ? zt_header(&r, "etag") : "");
    zt_response_free(&r);
    return body;
}

static int status_on(zt_conn *c, const char *method, const char *target, const char *headers,
                     const char *body)
{
    zt_response r;
    cr_assert_eq(zt_send_request(c, method, target, headers, body, body ? strlen(body) : 0), 0);
    cr_assert_eq(zt_read_response(c, &r, false), 0);
    int s = r.status;
    zt_response_free(&r);
    return s;
}

Test(fdcache, every_change_through_zarrd_shows_at_once)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    char e1[96], e2[96];
    cr_assert_eq(status_on(&c, "PUT", "/d/k", NULL, "first"), 201);
    cr_assert_str_eq(get_on(&c, "/d/k", 200, e1), "first");
    cr_assert_eq(status_on(&c, "PUT", "/d/k", NULL, "second!"), 204);
    cr_assert_str_eq(get_on(&c, "/d/k", 200, e2), "second!");
    cr_assert_str_neq(e1, e2);
    cr_assert_eq(status_on(&c, "PATCH", "/d/k", "Content-Range: bytes 0-1/*\r\n", "SE"), 204);
    cr_assert_str_eq(get_on(&c, "/d/k", 200, e1), "SEcond!");
    cr_assert_str_neq(e1, e2);
    cr_assert_eq(status_on(&c, "PATCH", "/d/k",
                           "Content-Type: multipart/byteranges; boundary=B\r\n",
                           "--B\r\nContent-Range: bytes 2-2/*\r\n\r\nC\r\n"
                           "--B\r\nContent-Range: bytes 7-8/*\r\n\r\n!!\r\n--B--\r\n"),
                 204);
    cr_assert_str_eq(get_on(&c, "/d/k", 200, e2), "SECond!!!");
    cr_assert_eq(status_on(&c, "DELETE", "/d/k", NULL, NULL), 204);
    get_on(&c, "/d/k", 404, NULL);
    zt_conn_close(&c);
}

Test(fdcache, a_shard_patch_shows_at_once)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    const char *layout = "Zarr-Shard: chunks=2; index=end; crc32c=0\r\n";
    cr_assert_eq(status_on(&c, "PUT", "/s/c/0?chunk=0", layout, "aaaa"), 204);
    char e1[96], e2[96];
    get_on(&c, "/s/c/0", 200, e1); /* the whole shard, cached */
    cr_assert_eq(status_on(&c, "PUT", "/s/c/0?chunk=0", layout, "bbbb"), 204); /* in place */
    const char *after = get_on(&c, "/s/c/0", 200, e2);
    cr_assert_eq(strncmp(after, "bbbb", 4), 0, "the shard still reads '%.4s'", after);
    cr_assert_str_neq(e1, e2);
    zt_conn_close(&c);
}

/* Whether the server holds a descriptor of a deleted file. */
static bool holds_deleted_file(void)
{
    char dir[64], link[512], target[4096];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)zt_srv()->pid);
    DIR *d = opendir(dir);
    cr_assert(d);
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        found = strstr(target, zt_srv()->root) && strstr(target, " (deleted)");
    }
    closedir(d);
    return found;
}

Test(fdcache, a_deleted_value_is_not_kept_open)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(status_on(&c, "PUT", "/gone", NULL, "bytes"), 201);
    cr_assert_eq(status_on(&c, "PUT", "/replaced", NULL, "old"), 201);
    get_on(&c, "/gone", 200, NULL);
    get_on(&c, "/replaced", 200, NULL);
    cr_assert_eq(status_on(&c, "DELETE", "/gone", NULL, NULL), 204);
    cr_assert_eq(status_on(&c, "PUT", "/replaced", NULL, "new"), 204);
    cr_assert(!holds_deleted_file(), "the server keeps a deleted or replaced file open");
    zt_conn_close(&c);
}

Test(fdcache, an_edit_behind_zarrds_back_shows_within_the_bound)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(status_on(&c, "PUT", "/outside", NULL, "zarrd wrote this"), 201);
    get_on(&c, "/outside", 200, NULL);
    char path[4200], tmp[4200];
    snprintf(path, sizeof path, "%s/outside", zt_srv()->root);
    snprintf(tmp, sizeof tmp, "%s/outside.new", zt_srv()->root);
    FILE *f = fopen(tmp, "w");
    cr_assert(f);
    fputs("another process wrote this", f);
    fclose(f);
    cr_assert_eq(rename(tmp, path), 0);
    /* the cache may serve the old value for up to 1 s; allow 5 s before calling it stuck */
    struct timespec t0, now, pause = {0, 50 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (strcmp(get_on(&c, "/outside", 200, NULL), "another process wrote this") == 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        cr_assert_lt(now.tv_sec - t0.tv_sec, 5, "an outside edit was still unseen after 5 s");
        nanosleep(&pause, NULL);
    }
    zt_conn_close(&c);
}

/* GET target with a Range header on c; the body as a string (static, overwritten). */
static const char *range_on(zt_conn *c, const char *target, const char *range)
{
    static char body[256];
    char h[128];
    snprintf(h, sizeof h, "Range: bytes=%s\r\n", range);
    zt_response r;
    cr_assert_eq(zt_send_request(c, "GET", target, h, NULL, 0), 0);
    cr_assert_eq(zt_read_response(c, &r, false), 0);
    cr_assert_eq(r.status, 206, "GET %s bytes=%s: %d", target, range, r.status);
    size_t n = r.body.len < sizeof body - 1 ? r.body.len : sizeof body - 1;
    memcpy(body, r.body.data, n);
    body[n] = '\0';
    zt_response_free(&r);
    return body;
}

Test(fdcache, a_small_value_in_memory_gives_its_own_bytes)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(status_on(&c, "PUT", "/small", NULL, "0123456789"), 201);
    /* a part first: it must not be taken for the whole value */
    cr_assert_str_eq(range_on(&c, "/small", "2-4"), "234");
    cr_assert_str_eq(get_on(&c, "/small", 200, NULL), "0123456789");
    /* now from memory */
    cr_assert_str_eq(get_on(&c, "/small", 200, NULL), "0123456789");
    cr_assert_str_eq(range_on(&c, "/small", "5-9"), "56789");
    cr_assert_str_eq(range_on(&c, "/small", "-3"), "789");
    cr_assert_eq(status_on(&c, "PATCH", "/small", "Content-Range: bytes 0-2/*\r\n", "abc"), 204);
    cr_assert_str_eq(get_on(&c, "/small", 200, NULL), "abc3456789");
    cr_assert_str_eq(range_on(&c, "/small", "1-3"), "bc3");
    zt_conn_close(&c);
}
