/* test_persistence.c (fs store): the root is a plain directory store. Files put there by other
 * tools are served and listed; values written through zarrd survive a restart; temporary
 * files never show as keys, and every temp file a crashed server left behind (in the staging
 * area `.zarrd-staging/`, or beside keys from older versions) is gone after a restart. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static bool exists(const char *rel)
{
    char path[PATH_MAX + 300];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    return lstat(path, &st) == 0;
}

Test(persistence, startup_empties_the_staging_area)
{
    write_file(".zarrd-staging/tmp-1-1", "half a put");
    write_file(".zarrd-staging/upload-7/part-1", "an S3 part"); /* nested, too */
    write_file(".zarrd-tmp-1-2", "an older version's temp file");
    write_file(".zarrd-shards/tmp.1.3", "an older version's new shard");
    write_file("a/.zarrd-tmp-1-4", "deeper: not looked for, but never a key");
    write_file("a/real", "real");
    zt_server s;
    start_on_root(&s);
    cr_assert(exists(".zarrd-staging"), "the staging directory itself stays");
    cr_assert_not(exists(".zarrd-staging/tmp-1-1"));
    cr_assert_not(exists(".zarrd-staging/upload-7"));
    cr_assert_not(exists(".zarrd-tmp-1-2"));
    cr_assert_not(exists(".zarrd-shards/tmp.1.3"));
    expect(&s, "/a/real", 200, "real");
    cr_assert_eq(zt_server_stop(&s, NULL), 0);
}

/* The number of files in the staging area. */
static long staged_files(void)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/.zarrd-staging", root);
    return exists(".zarrd-staging") ? zt_tmpdir_count(path) : 0;
}

/* How many of the server's open files are in its staging area: an unnamed (O_TMPFILE) temp
 * file shows in /proc as ".zarrd-staging/#INODE (deleted)". */
static long staging_fds(const zt_server *s)
{
    char dir[64], link[PATH_MAX + 64], target[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)s->pid);
    DIR *d = opendir(dir);
    if (!d) return 0;
    long n = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0) continue;
        target[len] = '\0';
        n += strstr(target, "/.zarrd-staging/") != NULL;
    }
    closedir(d);
    return n;
}

/* A PUT of 32 MiB cut by kill -9 after 12 (more than the server holds in memory, 8 MiB, so it
 * is being staged): nothing of it stays. named: every temp file is named (ZARRD_TMPFILE=off,
 * as where O_TMPFILE is missing), and the restart reclaims it; otherwise the temp file is
 * unnamed, and the kill itself leaves nothing. */
static void put_cut_by_kill_9(bool named)
{
    if (named) setenv("ZARRD_TMPFILE", "off", 1);
    zt_server s;
    start_on_root(&s);
    unsetenv("ZARRD_TMPFILE");
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, &s), 0);
    static char piece[1 << 20];
    memset(piece, 'x', sizeof piece);
    cr_assert_eq(zt_send_request(&c, "PUT", "/big/value", "Content-Length: 33554432\r\n", NULL, 0),
                 0);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(zt_send(&c, piece, sizeof piece), 0);
    for (int i = 0; i < 1000 && staging_fds(&s) == 0; i++) /* the body is being staged */
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    cr_assert_eq(staging_fds(&s), 1, "the PUT body is not in the staging area");
    cr_assert_eq(staged_files(), named ? 1 : 0, "%ld names in staging", staged_files());
    int status;
    cr_assert_eq(zt_server_signal(&s, SIGKILL), 0);
    zt_server_wait(&s, 10000, &status);
    zt_server_stop(&s, NULL); /* reaped already; removes the server's own temp dir */
    zt_conn_close(&c);
    cr_assert_eq(staged_files(), named ? 1 : 0, "kill -9 leaves %ld names", staged_files());
    start_on_root(&s);
    cr_assert_eq(staged_files(), 0, "the restarted server did not reclaim the temp file");
    expect(&s, "/big/value", 404, NULL);
    cr_assert_eq(zt_server_stop(&s, NULL), 0);
}

Test(persistence, a_put_cut_by_kill_9_leaves_no_temp_file)
{
    put_cut_by_kill_9(false);
}

Test(persistence, a_put_cut_by_kill_9_leaves_no_named_temp_file_after_restart)
{
    put_cut_by_kill_9(true);
}
