/* test_failures.c: the client when things go wrong — the server killed between and during
 * writes, a peer that never answers (timeouts), the server's refusals surfacing with their
 * reasons and exact HTTP status (zc_last_status, per thread, also for requests run on the
 * client's workers), and a body the server refused before it was sent not being sent on. Many
 * writers of one shard at once: test_update.c. */
#include "client_test.h"
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

/* A peer that takes a body slowly (64 KiB a millisecond) and counts its connections. */
typedef struct slow_peer {
    int listen_fd;
    atomic_int connections;
    atomic_bool stop;
} slow_peer;

static void *slow_peer_main(void *arg)
{
    slow_peer *p = arg;
    static char buf[64 * 1024];
    while (!atomic_load(&p->stop)) {
        struct pollfd l = {.fd = p->listen_fd, .events = POLLIN};
        if (poll(&l, 1, 50) <= 0) continue;
        int fd = accept(p->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        atomic_fetch_add(&p->connections, 1);
        while (!atomic_load(&p->stop) && recv(fd, buf, sizeof buf, 0) > 0)
            usleep(1000);
        close(fd);
    }
    return NULL;
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
    slow_peer p = {.listen_fd = socket(AF_INET, SOCK_STREAM, 0)};
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    cr_assert_eq(bind(p.listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(p.listen_fd, 4), 0);
    cr_assert_eq(getsockname(p.listen_fd, (struct sockaddr *)&sa, &sl), 0);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, slow_peer_main, &p), 0);
    char url[64], path[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    zc_client *c;
    ZC_OK_OR_FAIL(zc_client_open(url, NULL, &c));
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
    cr_assert_eq(atomic_load(&p.connections), 1, "the PUT went %d times",
                 atomic_load(&p.connections));
    atomic_store(&p.stop, true);
    zc_client_close(c);
    pthread_join(t, NULL);
    close(p.listen_fd);
    close(fd);
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

/* The server answers 413 as soon as it has the head of a PUT past --max-body, and drops what
 * still comes: the client reads that answer instead of sending 64 MiB first, whether the body
 * is in memory (zc_put) or in a file (zc_put_file, sent by sendfile). */
static void refused_early(bool from_file)
{
    zc_client *c = ct_client(NULL);
    size_t len = (size_t)64 << 20;
    uint8_t *big = NULL;
    int fd = -1;
    if (from_file) { /* sparse: 64 MiB of zeros that take no disk */
        char path[256];
        cr_assert_eq(zt_tmp_path(path, sizeof path, "zt-refused-XXXXXX"), 0);
        cr_assert_geq(fd = mkstemp(path), 0);
        unlink(path);
        cr_assert_eq(ftruncate(fd, (off_t)len), 0);
    } else {
        cr_assert_not_null(big = calloc(1, len));
    }
    pid_t pid = zt_srv()->pid;
    long long before = zt_proc_io(pid, "rchar");
    cr_assert_geq(before, 0);
    int rc = from_file ? zc_put_file(c, "big", fd) : zc_put(c, "big", big, len);
    long long read = zt_proc_io(pid, "rchar") - before;
    cr_assert_eq(zc_last_status(), 413, "status %d: %s", zc_last_status(), zc_errmsg());
    cr_assert_neq(rc, 0);
    cr_assert(strstr(zc_errmsg(), "HTTP 413") && strstr(zc_errmsg(), "exceeds the limit"),
              "message: %s", zc_errmsg());
    cr_assert_lt(read, 16ll << 20, "the server read %lld bytes of a refused 64 MiB body", read);
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
    refused_early(false);
}

Test(failures, a_file_refused_early_is_not_sent_on, .init = start_small_bodies)
{
    refused_early(true);
}
