/* test_s3_noxattr.c: the S3 endpoint on a data directory whose file system has no user
 * extended attributes (a ramfs, mounted here; skipped without the privilege to mount), as
 * server/S3.md says: a warning at start-up; uploads carrying x-amz-meta-* refused with
 * NotImplemented and nothing stored; plain uploads stored with the native ETag (not an MD5) and
 * without their Content-Type; multipart uploads still complete, answering the native ETag
 * reads answer (every ETag answered is the one reads answer). Also the sweep of abandoned uploads
 * (--s3-upload-ttl), on the normal fs. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

static char mnt[PATH_MAX];
static bool mounted;
static zt_server srv;

static void start_on_ramfs(void)
{
    cr_assert_eq(zt_tmpdir_create(mnt, sizeof mnt), 0);
    if (mount("ramfs", mnt, "ramfs", MS_NOSUID | MS_NODEV, NULL) != 0) {
        zt_tmpdir_remove(mnt);
        cr_skip_test("cannot mount a ramfs (not root?)");
    }
    mounted = true;
    zt_server_opts o = {.store = "fs",
                        .root = mnt,
                        .extra_args = (const char *[]){"--s3-listen", "127.0.0.1:0", NULL}};
    cr_assert_eq(zt_server_start(&srv, &o), 0);
    cr_assert_gt(srv.s3_port, 0);
}

static void stop_on_ramfs(void)
{
    if (!mounted) return;
    int status;
    cr_expect_eq(zt_server_stop(&srv, &status), 0, "zarrd did not exit cleanly");
    umount(mnt);
    zt_tmpdir_remove(mnt);
    mounted = false;
}

TestSuite(s3_noxattr, .init = start_on_ramfs, .fini = stop_on_ramfs, .timeout = 120);

/* One request to the S3 listener (no --s3-keys: unsigned is fine). */
static void s3(const char *method, const char *target, const char *headers, const void *body,
               size_t len, zt_response *r)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open(&c, "127.0.0.1", srv.s3_port), 0);
    cr_assert_eq(zt_send_request(&c, method, target, headers, body, len), 0);
    cr_assert_eq(zt_read_response(&c, r, strcmp(method, "HEAD") == 0), 0);
    zt_conn_close(&c);
}

static bool body_has(const zt_response *r, const char *s)
{
    return r->body.len && memmem(r->body.data, r->body.len, s, strlen(s));
}

Test(s3_noxattr, metadata_refused_values_kept)
{
    FILE *f = fopen(srv.errlog, "r");
    cr_assert(f);
    char log[8192];
    size_t n = fread(log, 1, sizeof log - 1, f);
    fclose(f);
    log[n] = '\0';
    cr_assert(strstr(log, "no user extended attributes"), "no start-up warning: %s", log);

    zt_response r;
    s3("PUT", "/bkt", NULL, "", 0, &r);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    s3("PUT", "/bkt/meta", "x-amz-meta-color: blue\r\n", "v", 1, &r);
    cr_assert_eq(r.status, 501, "%d", r.status);
    cr_assert(body_has(&r, "<Code>NotImplemented</Code>"));
    zt_response_free(&r);
    s3("GET", "/bkt/meta", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 404, "an upload whose metadata could not be kept was stored");
    zt_response_free(&r);

    s3("PUT", "/bkt/plain", "Content-Type: image/png\r\n", "pixels", 6, &r);
    cr_assert_eq(r.status, 200);
    const char *etag = zt_header(&r, "ETag");
    cr_assert(etag && strchr(etag, '-'), "not the native ETag: %s", etag ? etag : "none");
    char put_etag[128];
    snprintf(put_etag, sizeof put_etag, "%s", etag);
    zt_response_free(&r);
    s3("GET", "/bkt/plain", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 6);
    cr_assert_eq(memcmp(r.body.data, "pixels", 6), 0);
    cr_assert_str_eq(zt_header(&r, "ETag"), put_etag);
    cr_assert_str_neq(zt_header(&r, "Content-Type"), "image/png");
    zt_response_free(&r);
}

Test(s3_noxattr, multipart_completes)
{
    zt_response r;
    s3("PUT", "/bkt", NULL, "", 0, &r);
    zt_response_free(&r);
    s3("POST", "/bkt/mp?uploads", NULL, "", 0, &r);
    cr_assert_eq(r.status, 200);
    const char *p = memmem(r.body.data, r.body.len, "<UploadId>", 10);
    cr_assert(p);
    char id[40];
    snprintf(id, sizeof id, "%.32s", p + 10);
    zt_response_free(&r);
    size_t big = 5u << 20;
    char *part1 = malloc(big);
    memset(part1, 'a', big);
    char target[256], etags[2][128];
    for (int i = 1; i <= 2; i++) {
        snprintf(target, sizeof target, "/bkt/mp?partNumber=%d&uploadId=%s", i, id);
        s3("PUT", target, NULL, i == 1 ? part1 : "tail", i == 1 ? big : 4, &r);
        cr_assert_eq(r.status, 200, "part %d: %d", i, r.status);
        snprintf(etags[i - 1], sizeof etags[0], "%s", zt_header(&r, "ETag"));
        zt_response_free(&r);
    }
    char xml[1024];
    snprintf(xml, sizeof xml,
             "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
             "<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>",
             etags[0], etags[1]);
    snprintf(target, sizeof target, "/bkt/mp?uploadId=%s", id);
    s3("POST", target, NULL, xml, strlen(xml), &r);
    cr_assert_eq(r.status, 200, "Complete: %d %.*s", r.status, (int)r.body.len,
                 (const char *)r.body.data);
    /* the ETag answered is the one reads answer: the native one, no metadata being kept */
    const char *e = memmem(r.body.data, r.body.len, "<ETag>", 6);
    cr_assert(e, "%.*s", (int)r.body.len, (const char *)r.body.data);
    char etag[128];
    snprintf(etag, sizeof etag, "%.*s", (int)strcspn(e + 6, "<"), e + 6);
    zt_response_free(&r);
    s3("HEAD", "/bkt/mp", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    const char *h = zt_header(&r, "ETag"); /* "X", quotes included */
    cr_assert(h && strlen(h) > 2 && h[0] == '"');
    char want[160];
    snprintf(want, sizeof want, "&quot;%.*s&quot;", (int)strlen(h) - 2, h + 1);
    cr_assert_str_eq(etag, want, "Complete answered %s, HEAD %s", etag, h);
    cr_assert(strchr(h, '-') && !strstr(h, "-2\""), "not the native ETag: %s", h);
    char len[32];
    snprintf(len, sizeof len, "%zu", big + 4);
    cr_assert_str_eq(zt_header(&r, "Content-Length"), len);
    zt_response_free(&r);
    free(part1);
}

/* ---- the sweep (on an ordinary root) ---- */

static void start_ttl(void)
{
    zt_fixture_start_args(
        (const char *[]){"--s3-listen", "127.0.0.1:0", "--s3-upload-ttl", "1", NULL});
    srv = *zt_srv();
}

TestSuite(s3_sweep, .init = start_ttl, .fini = zt_fixture_stop, .timeout = 120);

Test(s3_sweep, abandoned_uploads_are_reclaimed)
{
    zt_response r;
    s3("PUT", "/bkt", NULL, "", 0, &r);
    zt_response_free(&r);
    s3("POST", "/bkt/old?uploads", NULL, "", 0, &r);
    const char *p = memmem(r.body.data, r.body.len, "<UploadId>", 10);
    cr_assert(p);
    char id[40], target[256];
    snprintf(id, sizeof id, "%.32s", p + 10);
    zt_response_free(&r);
    snprintf(target, sizeof target, "/bkt/old?partNumber=1&uploadId=%s", id);
    s3("PUT", target, NULL, "part", 4, &r);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    /* idle for more than a second: the next sweep (every second) takes it */
    bool gone = false;
    for (int i = 0; i < 600 && !gone; i++) {
        s3("GET", "/bkt?uploads", NULL, NULL, 0, &r);
        cr_assert_eq(r.status, 200);
        gone = !body_has(&r, id);
        zt_response_free(&r);
        if (!gone) usleep(50000);
    }
    cr_assert(gone, "the abandoned upload is still listed after 30 s");
    snprintf(target, sizeof target, "/bkt/old?uploadId=%s", id);
    s3("GET", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 404);
    cr_assert(body_has(&r, "NoSuchUpload"));
    zt_response_free(&r);
    char staged[PATH_MAX + 64];
    snprintf(staged, sizeof staged, "%s/.zarrd-uploads/%s", srv.root, id);
    cr_assert_neq(access(staged, F_OK), 0, "its files are still on disk");
}
