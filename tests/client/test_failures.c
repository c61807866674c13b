/* test_failures.c: the client when things go wrong — the server killed between and during
 * writes, a peer that never answers (timeouts), the server's refusals surfacing with their
 * reasons and exact HTTP status (zc_last_status, per thread, also for requests run on the
 * client's workers), and a body the server refused before it was sent not being sent on. Many
 * writers of one shard at once: test_update.c. */
#include "client_test.h"
#include "zt_peer.h"
#include "zt_proc.h"
#include "zt_tmpdir.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

TestSuite(failures, .init = zt_fixture_start, .fini = zt_fixture_stop);

static zc_array *big_array(zc_client *c, uint8_t **buf, uint64_t *n)
{
    uint64_t shape[1] = {1 << 22}, chunks[1] = {1 << 12};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .dtype = "uint8", .codec = "gzip"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(c, "big", &s, &a));
    *n = shape[0];
    *buf = malloc(shape[0]);
    for (uint64_t i = 0; i < shape[0]; i++)
        (*buf)[i] = (uint8_t)(i * 7 + i / 4096);
    return a;
}

static int is_connection_error(int rc)
{
    return rc == ZC_ECONNECT || rc == ZC_EIO || rc == ZC_ETIMEDOUT;
}

Test(failures, server_gone_between_writes)
{
    zc_options o;
    zc_options_init(&o);
    o.retries = 1;
    zc_client *c = ct_client(&o);
    uint8_t *buf;
    uint64_t n, start[1] = {0};
    zc_array *a = big_array(c, &buf, &n);
    uint64_t small[1] = {1 << 14};
    ZC_OK_OR_FAIL(zc_array_write(a, start, small, buf)); /* workers hold kept-alive sockets */
    zt_fixture_stop();
    int rc = zc_array_write(a, start, small, buf);
    cr_assert_eq(rc, ZC_ECONNECT, "%s (%d): %s", zc_strerror(rc), rc, zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "cannot connect"), "message: %s", zc_errmsg());
    cr_assert_eq(zc_last_status(), 0, "no response, yet status %d", zc_last_status());
    free(buf);
    zc_array_close(a);
    zc_client_close(c);
}

struct big_write {
    zc_array *a;
    const uint8_t *buf;
    uint64_t n;
    int rc;
};

static void *do_big_write(void *p)
{
    struct big_write *b = p;
    uint64_t start[1] = {0}, shape[1] = {b->n};
    for (int r = 0; r < 50 && b->rc == 0; r++)
        b->rc = zc_array_write(b->a, start, shape, b->buf);
    return NULL;
}

Test(failures, server_killed_during_a_write)
{
    zc_options o;
    zc_options_init(&o);
    o.retries = -1;
    zc_client *c = ct_client(&o);
    struct big_write b = {0};
    uint8_t *buf;
    b.a = big_array(c, &buf, &b.n);
    b.buf = buf;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, do_big_write, &b), 0);
    usleep(100 * 1000);
    cr_assert_eq(zt_server_signal(zt_srv(), SIGKILL), 0);
    int ws;
    zt_server_wait(zt_srv(), 5000, &ws);
    pthread_join(t, NULL);
    /* the writes either all finished before the kill or one failed cleanly */
    cr_assert(b.rc == 0 || is_connection_error(b.rc), "%s (%d): %s", zc_strerror(b.rc), b.rc,
              zc_errmsg());
    free(buf);
    zc_array_close(b.a);
    zc_client_close(c);
    zt_fixture_stop();
}

Test(failures, silent_peer_times_out)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(s, 4), 0); /* connections complete in the backlog, nobody answers */
    cr_assert_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    zc_options o;
    zc_options_init(&o);
    o.io_timeout_ms = 200;
    o.retries = -1;
    zc_client *c;
    ZC_OK_OR_FAIL(zc_client_open(url, &o, &c));
    void *d;
    size_t len;
    cr_assert_eq(zc_get(c, "k", &d, &len), ZC_ETIMEDOUT, "%s", zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "timed out"), "message: %s", zc_errmsg());
    cr_assert_eq(zc_last_status(), 0);
    zc_client_close(c);
    close(s);
}

/* What the test's peer does with each connection. */
typedef enum peer_way {
    PEER_SLOW,   /* takes what comes slowly, 64 KiB a millisecond */
    PEER_CUTS,   /* takes 1 MiB, then closes without an answer */
    PEER_REFUSES /* answers 413 once it has the head, then reads and drops what still comes, as
                    nginx does before it closes (lingering close) */
} peer_way;

/* The test's peer: how it serves, and the bytes it read on all its connections. */
typedef struct peer {
    zt_peer z;
    peer_way way;
    atomic_llong bytes;
} peer;

static const char refusal[] = "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
                              "Content-Type: application/json\r\nContent-Length: 30\r\n\r\n"
                              "{\"error\":\"the body exceeds 1\"}";

static void peer_serve(zt_peer *z, int fd)
{
    peer *p = z->arg;
    static char buf[64 * 1024];
    char tail[4] = {0}; /* the last bytes read, to find the head's end across reads */
    bool answered = p->way != PEER_REFUSES;
    ssize_t n;
    while (!atomic_load(&z->stop) && (n = recv(fd, buf, sizeof buf, 0)) > 0) {
        long long total = atomic_fetch_add(&p->bytes, n) + n;
        for (ssize_t i = 0; !answered && i < n; i++) {
            memmove(tail, tail + 1, 3);
            tail[3] = buf[i];
            if (memcmp(tail, "\r\n\r\n", 4) == 0) {
                answered = true;
                if (send(fd, refusal, sizeof refusal - 1, MSG_NOSIGNAL) < 0) return;
            }
        }
        if (p->way == PEER_SLOW) usleep(1000);
        if (p->way == PEER_CUTS && total >= 1 << 20) break;
    }
}

static void peer_start(peer *p, peer_way way)
{
    p->way = way;
    zt_peer_start(&p->z, peer_serve, p);
}

static void *shrink_later(void *arg)
{
    usleep(200 * 1000);
    if (ftruncate(*(int *)arg, 0) != 0) perror("ftruncate");
    return NULL;
}

/* A file that shrinks while zc_put_file sends it: the request fails with what happened to the
 * file, and is not sent again (the file would only fail again; it is not the connection's
 * fault). */
Test(failures, a_file_that_shrinks_while_sent_fails_once)
{
    peer p = {0};
    peer_start(&p, PEER_SLOW);
    char path[256];
    zc_client *c;
    ZC_OK_OR_FAIL(zc_client_open(p.z.url, NULL, &c));
    cr_assert_eq(zt_tmp_path(path, sizeof path, "zt-shrinks-XXXXXX"), 0);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(ftruncate(fd, 64 << 20), 0); /* a second at the peer's pace */
    pthread_t shrinker;
    cr_assert_eq(pthread_create(&shrinker, NULL, shrink_later, &fd), 0);
    int rc = zc_put_file(c, "k", fd);
    pthread_join(shrinker, NULL);
    cr_assert_eq(rc, ZC_EIO, "%s (%d): %s", zc_strerror(rc), rc, zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "the file ended"), "message: %s", zc_errmsg());
    cr_assert_eq(atomic_load(&p.z.connections), 1, "the PUT went %d times",
                 atomic_load(&p.z.connections));
    zc_client_close(c);
    zt_peer_stop(&p.z);
    close(fd);
}

/* A source of `left` zero bytes, a buffer at a time (zc_put_stream). */
static ssize_t zeros(void *arg, void *buf, size_t cap)
{
    size_t *left = arg, k = *left < cap ? *left : cap;
    memset(buf, 0, k);
    *left -= k;
    return (ssize_t)k;
}

/* zeros, a millisecond a piece: a source slower than the peer reads, so the socket never fills
 * and only the client's own look for an answer can stop the transfer early. */
static ssize_t zeros_slowly(void *arg, void *buf, size_t cap)
{
    usleep(1000);
    return zeros(arg, buf, cap);
}

/* A stream whose connection is lost midway fails, and is not sent again: what its source gave
 * cannot be given again, and sending the rest alone would store the value's tail. */
Test(failures, a_stream_cut_off_midway_is_not_sent_again)
{
    peer p = {0};
    peer_start(&p, PEER_CUTS);
    zc_client *c;
    ZC_OK_OR_FAIL(zc_client_open(p.z.url, NULL, &c));
    size_t left = (size_t)64 << 20;
    int rc = zc_put_stream(c, "k", zeros, &left, NULL);
    cr_assert(is_connection_error(rc), "%s (%d): %s", zc_strerror(rc), rc, zc_errmsg());
    cr_assert_eq(atomic_load(&p.z.connections), 1, "the PUT went %d times",
                 atomic_load(&p.z.connections));
    zc_client_close(c);
    zt_peer_stop(&p.z);
}

/* A peer that answers 413 to the head and then reads on (nginx's lingering close): the answer is
 * seen between two pieces, not after all of them, for a body in memory and from a source. */
Test(failures, a_refusal_is_seen_while_the_peer_still_reads)
{
    peer p = {0};
    peer_start(&p, PEER_REFUSES);
    zc_client *c;
    ZC_OK_OR_FAIL(zc_client_open(p.z.url, NULL, &c));
    size_t len = (size_t)64 << 20, left = len;
    int rc = zc_put_stream(c, "k", zeros_slowly, &left, NULL);
    cr_assert_eq(zc_last_status(), 413, "status %d, %s: %s", zc_last_status(), zc_strerror(rc),
                 zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "exceeds 1"), "message: %s", zc_errmsg());
    cr_assert_gt(left, len - (16 << 20), "%zu bytes of a refused stream were taken", len - left);
    uint8_t *big = calloc(1, len);
    cr_assert_not_null(big);
    long long before = atomic_load(&p.bytes);
    rc = zc_put(c, "k", big, len);
    cr_assert_eq(zc_last_status(), 413, "status %d, %s: %s", zc_last_status(), zc_strerror(rc),
                 zc_errmsg());
    long long sent = atomic_load(&p.bytes) - before;
    cr_assert_lt(sent, 16ll << 20, "%lld bytes of a refused body were sent", sent);
    cr_assert_eq(atomic_load(&p.z.connections), 2);
    free(big);
    zc_client_close(c);
    zt_peer_stop(&p.z);
}

Test(failures, refusals_carry_the_server_reason)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "plain", "not a shard", 11));
    uint64_t shape[1] = {16}, chunks[1] = {4}, shards[1] = {16};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .shards = shards, .dtype = "uint8"};
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(c, "arr", &s, &a));
    ZC_OK_OR_FAIL(zc_put(c, "arr/c/0", "garbage that is no shard", 24));
    uint8_t v[2] = {1, 2};
    uint64_t start[1] = {1}, two[1] = {2};
    int rc = zc_array_write(a, start, two, v); /* partial: goes to the shard endpoint */
    cr_assert_eq(rc, ZC_ECONFLICT, "%s (%d): %s", zc_strerror(rc), rc, zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "HTTP 409") && strstr(zc_errmsg(), "arr/c/0"), "message: %s",
              zc_errmsg());
    cr_assert_eq(zc_last_status(), 409, "status %d", zc_last_status());
    zc_array_close(a);
    zc_client_close(c);
}

static void *last_status_of_new_thread(void *p)
{
    *(int *)p = zc_last_status();
    return NULL;
}

Test(failures, last_status_is_the_exact_status_per_thread)
{
    zc_client *c = ct_client(NULL);
    cr_assert_eq(zc_last_status(), 0, "no request made yet");
    ZC_OK_OR_FAIL(zc_put(c, "k", "v", 1));
    cr_assert_eq(zc_last_status(), 201);
    ZC_OK_OR_FAIL(zc_put(c, "k", "w", 1));
    cr_assert_eq(zc_last_status(), 204);
    void *d;
    size_t len;
    cr_assert_eq(zc_get(c, "missing", &d, &len), ZC_ENOTFOUND);
    cr_assert_eq(zc_last_status(), 404);
    cr_assert_eq(zc_get_range(c, "k", 5, 1, &d, &len), ZC_ERANGE);
    cr_assert_eq(zc_last_status(), 416);
    ZC_OK_OR_FAIL(zc_get(c, "k", &d, &len));
    zc_free(d);
    cr_assert_eq(zc_last_status(), 200);
    int other = -1; /* another thread has its own, untouched by this one's calls */
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, last_status_of_new_thread, &other), 0);
    pthread_join(t, NULL);
    cr_assert_eq(other, 0);
    zc_client_close(c);
}

static void start_small_bodies(void)
{
    zt_fixture_start_args((const char *[]){"--max-body", "1M", NULL});
}

typedef enum body_kind { IN_MEMORY, IN_FILE, FROM_SOURCE } body_kind;

/* The server answers 413 as soon as it has the head of a PUT past --max-body (or, for a
 * chunked body, as soon as the body passes it), and drops what still comes: the client reads
 * that answer instead of sending 64 MiB first, whether the body is in memory (zc_put), in a file
 * (zc_put_file, sent by sendfile) or comes from a source (zc_put_stream, chunked). */
static void refused_early(body_kind kind)
{
    zc_client *c = ct_client(NULL);
    size_t len = (size_t)64 << 20, left = len;
    uint8_t *big = NULL;
    int fd = -1;
    if (kind == IN_FILE) { /* sparse: 64 MiB of zeros that take no disk */
        char path[256];
        cr_assert_eq(zt_tmp_path(path, sizeof path, "zt-refused-XXXXXX"), 0);
        cr_assert_geq(fd = mkstemp(path), 0);
        unlink(path);
        cr_assert_eq(ftruncate(fd, (off_t)len), 0);
    } else if (kind == IN_MEMORY) {
        cr_assert_not_null(big = calloc(1, len));
    }
    pid_t pid = zt_srv()->pid;
    long long before = zt_proc_io(pid, "rchar");
    cr_assert_geq(before, 0);
    int rc = kind == IN_FILE     ? zc_put_file(c, "big", fd)
             : kind == IN_MEMORY ? zc_put(c, "big", big, len)
                                 : zc_put_stream(c, "big", zeros, &left, NULL);
    long long read = zt_proc_io(pid, "rchar") - before;
    cr_assert_eq(zc_last_status(), 413, "status %d: %s", zc_last_status(), zc_errmsg());
    cr_assert_neq(rc, 0);
    cr_assert(strstr(zc_errmsg(), "HTTP 413") && strstr(zc_errmsg(), "exceeds"), "message: %s",
              zc_errmsg());
    cr_assert_lt(read, 16ll << 20, "the server read %lld bytes of a refused 64 MiB body", read);
    cr_assert_gt(left, len - (16 << 20), "%zu bytes of a refused body were taken from its source",
                 len - left);
    ZC_OK_OR_FAIL(zc_put(c, "small", "v", 1)); /* the client goes on, on a new connection */
    void *d;
    size_t n;
    cr_assert_eq(zc_get(c, "big", &d, &n), ZC_ENOTFOUND, "nothing was stored");
    free(big);
    if (fd >= 0) close(fd);
    zc_client_close(c);
}

Test(failures, a_body_refused_early_is_not_sent_on, .init = start_small_bodies)
{
    refused_early(IN_MEMORY);
}

Test(failures, a_file_refused_early_is_not_sent_on, .init = start_small_bodies)
{
    refused_early(IN_FILE);
}

Test(failures, a_stream_refused_early_is_not_sent_on, .init = start_small_bodies)
{
    refused_early(FROM_SOURCE);
}
