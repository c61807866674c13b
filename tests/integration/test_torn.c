/* test_torn.c: a GET sees every write whole or not at all (server/API.md, "In-place writes"),
 * on both stores. Readers GET a value in a loop while a writer changes it:
 * - raw PATCHes of uniform 1 MiB regions of a 16 MiB value (journaled in place when nobody
 *   streams the key, else copied), and some of 2 MiB (past the in-memory spool: copied): every
 *   region of every GET body must be uniform. Before, 94 of 94 GETs of a 64 MiB value were torn;
 * - PUTs overwriting a 1 MiB value with a uniform byte (in place when nobody streams it): every
 *   GET body must be one whole value.
 * The runs stop after enough GETs and writes (progress, not time). Also: on the fs store a PUT
 * that overwrites a value nobody reads keeps its file (no new inode) and changes its ETag. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB     (1u << 20)
#define REGION  MIB
#define READERS 2
#ifdef __SANITIZE_ADDRESS__ /* the sanitizer leg: the same races, at a size it runs in seconds */
#define BIG        (8u * MIB)
#define MIN_GETS   12 /* per reader */
#define MIN_WRITES 30
#else
#define BIG        (16u * MIB)
#define MIN_GETS   24
#define MIN_WRITES 60
#endif

TestSuite(torn, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 170);

typedef struct run {
    const char *target;
    size_t size;   /* of the value */
    size_t region; /* each must be uniform in a GET body */
    atomic_int writes;
    atomic_int gets;
    atomic_int torn;
    atomic_int failed; /* a request that did not succeed */
    atomic_bool stop;
    bool slow; /* readers take the body in 4 KiB reads through a 16 KiB receive buffer */
} run;

/* The first region of body that is not uniform, or -1. */
static long torn_region(const uint8_t *body, size_t size, size_t region)
{
    for (size_t r = 0; r * region < size; r++) {
        const uint8_t *p = body + r * region;
        size_t n = size - r * region < region ? size - r * region : region;
        for (size_t i = 1; i < n; i++)
            if (p[i] != p[0]) return (long)r;
    }
    return -1;
}

/* A response whose body is taken 4 KiB at a time. */
static int read_slowly(zt_conn *c, zt_response *r)
{
    uint64_t len;
    if (zt_read_head(c, r) || !zt_content_length(r, &len)) return -1;
    uint8_t piece[4096];
    while (r->body.len < len) {
        ssize_t n =
            zt_recv(c, piece, len - r->body.len < sizeof piece ? len - r->body.len : sizeof piece);
        if (n <= 0 || zd_buf_append(&r->body, piece, (size_t)n)) return -1;
    }
    return 0;
}

static void *reader(void *arg)
{
    run *rn = arg;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv())) {
        atomic_fetch_add(&rn->failed, 1);
        return NULL;
    }
    if (rn->slow) { /* the server then sends each body over many loop turns */
        int small = 16 * 1024;
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    while (!atomic_load(&rn->stop)) {
        zt_response r = {0};
        if (zt_send_request(&c, "GET", rn->target, NULL, NULL, 0) ||
            (rn->slow ? read_slowly(&c, &r) : zt_read_response(&c, &r, false)) || r.status != 200 ||
            r.body.len != rn->size) {
            atomic_fetch_add(&rn->failed, 1);
            zt_response_free(&r);
            break;
        }
        long t = torn_region(r.body.data, r.body.len, rn->region);
        if (t >= 0) {
            atomic_fetch_add(&rn->torn, 1);
            fprintf(stderr, "torn GET of %s: region %ld mixes bytes\n", rn->target, t);
        }
        atomic_fetch_add(&rn->gets, 1);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return NULL;
}

static bool done(run *rn)
{
    return atomic_load(&rn->gets) >= READERS * MIN_GETS && atomic_load(&rn->writes) >= MIN_WRITES;
}

/* Run the readers while write_one(conn, i, buf) does write i, until done or a failure. */
static void race(run *rn, int (*write_one)(run *, zt_conn *, int, uint8_t *))
{
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&t[i], NULL, reader, rn);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    uint8_t *buf = malloc(2 * REGION > rn->size ? 2 * REGION : rn->size);
    for (int i = 0; !done(rn) && !atomic_load(&rn->failed); i++) {
        int status = write_one(rn, &c, i, buf);
        if (status != 204) {
            fprintf(stderr, "write %d of %s: status %d\n", i, rn->target, status);
            atomic_fetch_add(&rn->failed, 1);
        }
        atomic_fetch_add(&rn->writes, 1);
    }
    atomic_store(&rn->stop, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);
    free(buf);
    zt_conn_close(&c);
    cr_log_info("%s: %d GETs during %d writes, %d torn", rn->target, atomic_load(&rn->gets),
                atomic_load(&rn->writes), atomic_load(&rn->torn));
    cr_assert_eq(atomic_load(&rn->failed), 0, "a request failed");
    cr_assert_eq(atomic_load(&rn->torn), 0, "%d of %d GETs saw a write half done",
                 atomic_load(&rn->torn), atomic_load(&rn->gets));
}

/* Write i: region i % 16 (every 8th write: two regions, 2 MiB, spooled) with byte 1 + i % 255. */
static int patch_region(run *rn, zt_conn *c, int i, uint8_t *buf)
{
    size_t regions = rn->size / REGION, len = i % 8 == 7 ? 2 * REGION : REGION;
    size_t off = (size_t)(i * 7 % (int)(regions - len / REGION + 1)) * REGION;
    memset(buf, 1 + i % 255, len);
    char headers[96];
    snprintf(headers, sizeof headers, "Content-Range: bytes %zu-%zu/*\r\n", off, off + len - 1);
    return zt_conn_status(c, "PATCH", rn->target, headers, buf, len);
}

Test(torn, raw_patch_is_seen_whole_or_not_at_all)
{
    run rn = {.target = "/torn/patched", .size = BIG, .region = REGION};
    uint8_t *zero = calloc(1, BIG);
    cr_assert_eq(zt_status("PUT", rn.target, NULL, zero, BIG), 201);
    free(zero);
    race(&rn, patch_region);
}

/* Write i: the whole 1 MiB value, every byte 1 + i % 255. */
static int put_whole(run *rn, zt_conn *c, int i, uint8_t *buf)
{
    memset(buf, 1 + i % 255, rn->size);
    return zt_conn_status(c, "PUT", rn->target, NULL, buf, rn->size) == 204 ? 204 : -1;
}

Test(torn, overwriting_put_is_seen_whole_or_not_at_all)
{
    run rn = {.target = "/torn/put", .size = MIB, .region = MIB, .slow = true};
    uint8_t *zero = calloc(1, MIB);
    cr_assert_eq(zt_status("PUT", rn.target, NULL, zero, MIB), 201);
    free(zero);
    race(&rn, put_whole);
}

/* fs: an open descriptor of key's file, to tell afterwards whether a write changed that file
 * (in place) or replaced it (its link count is then 0). */
static int open_file(const char *key)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", zt_srv()->root, key);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "no file %s", path);
    return fd;
}

/* fs: an overwrite of a value nobody reads is written in place (through the journal): the same
 * file gets the new bytes (a descriptor opened before sees them), and a new ETag; the first
 * write of a key of a stripe since the server started still goes to a new file (sendfile may
 * have handed the old file's pages to a socket). */
Test(torn, overwrite_keeps_the_file_and_changes_the_etag)
{
    zt_put_str("/inplace/k", "first value");
    zt_put_str("/inplace/k", "second value"); /* the stripe's first change: a copy */
    int fd = zt_store_is_fs() ? open_file("inplace/k") : -1;
    zt_response r;
    zt_do("GET", "/inplace/k", NULL, NULL, 0, &r);
    char *etag1 = strdup(zt_header(&r, "ETag"));
    zt_response_free(&r);
    zt_put_str("/inplace/k", "third, longer value");
    zt_expect_value("/inplace/k", "third, longer value", 19);
    cr_assert_eq(zt_status("PATCH", "/inplace/k", "Content-Range: bytes 0-4/*\r\n", "THIRD", 5),
                 204);
    zt_expect_value("/inplace/k", "THIRD, longer value", 19);
    zt_do("GET", "/inplace/k", NULL, NULL, 0, &r);
    cr_assert_str_neq(zt_header(&r, "ETag"), etag1, "the ETag did not change");
    zt_response_free(&r);
    free(etag1);
    if (fd >= 0) {
        struct stat st;
        char got[32] = "";
        cr_assert_eq(fstat(fd, &st), 0);
        cr_assert_eq(st.st_nlink, 1, "the overwrites replaced the file");
        cr_assert_eq(pread(fd, got, sizeof got, 0), 19);
        cr_assert_eq(memcmp(got, "THIRD, longer value", 19), 0, "the file holds other bytes");
        close(fd);
    }
}
