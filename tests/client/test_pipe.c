/* test_pipe.c: the client's HTTP/1.1 pipelining (client/zc_pipe.c) against a real zarrd, on
 * both stores:
 *   - an array read or write of many chunks sends requests ahead of the answers: a relay in
 *     front of the server withholds every answer on a connection until the client has sent
 *     HOLD_REQUESTS requests on it (a client waiting for each answer would stall there, and
 *     the relay gives up after a few seconds and says so);
 *   - a peer that closes the connection after a few answers with requests still in flight
 *     (nginx with keepalive_requests, as a proxy in front of zarrd is deployed): the unanswered
 *     requests go again on a new connection and every byte reads back right;
 *   - a read of a few inner chunks of several shards asks for them with one request per shard
 *     and sends all of those at once (the same relay), and a read of many inner chunks of one
 *     shard asks for 64 a request, fewer when they are large, and a write that merges with
 *     inner chunks it covers partly fetches them together (the relay counts requests);
 *   - an error answer in the middle of a run (a corrupt chunk) fails the call with that
 *     chunk's name, and the next calls on the same client get their own answers, not the
 *     ones that were still in flight;
 *   - a chunk the server refuses as soon as it has the request's head (past --max-body) is
 *     not sent on: the run reads the 413 between its sends, from zarrd directly (which reads
 *     and drops the rest), through the relay (which closes the connection once zarrd has
 *     answered), and through a relay that waits until the client's socket is full before it
 *     answers and closes at once, so that the client's next send fails after the answer came. */
#include "client_test.h"
#include "zt_proc.h"
#include "zt_tmpdir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(pipe, .init = zt_fixture_start, .fini = zt_fixture_stop);

enum { CHUNK = 100, NCHUNKS = 200, HOLD_REQUESTS = 4, HOLD_MS = 4000 };

/* ---- a relay that withholds answers until the client has sent hold_requests requests ---- */

enum { RELAY_MAX_CONNS = 16 };

typedef struct relay_conn {
    struct relay *r;
    int fd;
    pthread_t tid;
} relay_conn;

typedef struct relay {
    int listen_fd;
    int port;
    pthread_t tid;
    relay_conn conns[RELAY_MAX_CONNS];
    int nconns;
    atomic_bool stop;
    atomic_bool hold;        /* hold the answers of connections accepted from now on */
    int hold_requests;       /* ... until this many requests came (HOLD_REQUESTS by default) */
    atomic_int connections;  /* relayed connections */
    atomic_int requests;     /* request heads relayed, on every connection */
    atomic_int stalled;      /* connections whose client waited for an answer before sending */
    atomic_bool refuse_late; /* hold the server's next answer until the client has filled its
                                socket and waits, then pass it on and close at once */
} relay;

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)zt_srv()->port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Count request heads (each ends with an empty line; the requests checked here have no
 * body) in bytes from the client, carrying a partial "\r\n\r\n" across reads. */
static int count_heads(const char *p, size_t n, int *match)
{
    static const char end[] = "\r\n\r\n";
    int heads = 0;
    for (size_t i = 0; i < n; i++) {
        *match = p[i] == end[*match] ? *match + 1 : (p[i] == '\r' ? 1 : 0);
        if (*match == 4) {
            heads++;
            *match = 0;
        }
    }
    return heads;
}

/* One client connection: client → server at once; server → client, once r->hold is set, only
 * after the client has sent r->hold_requests requests (or after HOLD_MS, counted as a stall). */
static void relay_one(relay *r, int cfd)
{
    int sfd = connect_server();
    if (sfd < 0) return;
    atomic_fetch_add(&r->connections, 1);
    char held[1 << 16], buf[1 << 16];
    size_t held_len = 0;
    int heads = 0, match = 0, waited = 0;
    bool holding = atomic_load(&r->hold);
    for (;;) {
        struct pollfd p[2] = {{.fd = cfd, .events = POLLIN},
                              {.fd = sfd, .events = (short)(held_len < sizeof held ? POLLIN : 0)}};
        int n = poll(p, 2, 100);
        if (atomic_load(&r->stop)) break;
        if (holding && n == 0 && (waited += 100) >= HOLD_MS) {
            atomic_fetch_add(&r->stalled, 1);
            holding = false;
        }
        if (p[0].revents) {
            ssize_t k = recv(cfd, buf, sizeof buf, 0);
            if (k <= 0) break;
            int more = count_heads(buf, (size_t)k, &match);
            heads += more;
            atomic_fetch_add(&r->requests, more);
            if (send(sfd, buf, (size_t)k, MSG_NOSIGNAL) != k) break;
            if (heads >= r->hold_requests) holding = false;
        }
        if (p[1].revents) {
            ssize_t k = recv(sfd, held + held_len, sizeof held - held_len, 0);
            if (k <= 0) break;
            held_len += (size_t)k;
            if (atomic_load(&r->refuse_late)) {
                usleep(300 * 1000); /* reading nothing from the client meanwhile */
                send(cfd, held, held_len, MSG_NOSIGNAL);
                break; /* the close, with the client's bytes unread, resets the connection */
            }
        }
        if (!holding && held_len) {
            if (send(cfd, held, held_len, MSG_NOSIGNAL) != (ssize_t)held_len) break;
            held_len = 0;
        }
    }
    close(sfd);
}

static void *relay_conn_main(void *arg)
{
    relay_conn *rc = arg;
    relay_one(rc->r, rc->fd);
    close(rc->fd);
    return NULL;
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {.fd = r->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        int cfd = accept(r->listen_fd, NULL, NULL);
        if (cfd < 0) continue;
        if (r->nconns == RELAY_MAX_CONNS) {
            close(cfd);
            continue;
        }
        relay_conn *rc = &r->conns[r->nconns];
        *rc = (relay_conn){.r = r, .fd = cfd};
        if (pthread_create(&rc->tid, NULL, relay_conn_main, rc) == 0)
            r->nconns++;
        else
            close(cfd);
    }
    for (int i = 0; i < r->nconns; i++)
        pthread_join(r->conns[i].tid, NULL);
    return NULL;
}

static void relay_start(relay *r, int hold_requests)
{
    memset(r, 0, sizeof *r);
    r->hold_requests = hold_requests;
    r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof sa;
    cr_assert_eq(bind(r->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(r->listen_fd, 16), 0);
    getsockname(r->listen_fd, (struct sockaddr *)&sa, &len);
    r->port = ntohs(sa.sin_port);
    cr_assert_eq(pthread_create(&r->tid, NULL, relay_main, r), 0);
}

static void relay_stop(relay *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->tid, NULL);
    close(r->listen_fd);
}

/* ---- helpers ---- */

static zc_client *client_at(int port, int workers)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    zc_options o;
    zc_options_init(&o);
    o.max_workers = workers;
    zc_client *c = NULL;
    ZC_OK_OR_FAIL(zc_client_open(url, &o, &c));
    return c;
}

static zc_array *create_array(zc_client *c, const char *path, const char *codec)
{
    uint64_t shape[1] = {CHUNK * NCHUNKS}, chunks[1] = {CHUNK};
    zc_array_spec s = {
        .ndim = 1, .shape = shape, .chunks = chunks, .dtype = "uint8", .codec = codec};
    zc_array *a = NULL;
    ZC_OK_OR_FAIL(zc_array_create(c, path, &s, &a));
    return a;
}

static void pattern(uint8_t *v, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)(i * 7 + i / CHUNK + seed); /* never all zero in a chunk */
}

static void write_read_check(zc_array *a, unsigned seed)
{
    static uint8_t in[CHUNK * NCHUNKS], out[CHUNK * NCHUNKS];
    uint64_t start[1] = {0}, shape[1] = {CHUNK * NCHUNKS};
    pattern(in, sizeof in, seed);
    ZC_OK_OR_FAIL(zc_array_write(a, start, shape, in));
    memset(out, 0, sizeof out);
    ZC_OK_OR_FAIL(zc_array_read(a, start, shape, NULL, out));
    for (size_t i = 0; i < sizeof in; i++)
        cr_assert_eq(out[i], in[i], "byte %zu: got %u, wrote %u", i, out[i], in[i]);
}

/* ---- tests ---- */

Test(pipe, requests_go_out_ahead_of_the_answers)
{
    zc_client *direct = client_at(zt_srv()->port, 1);
    zc_array_close(create_array(direct, "piped", "none"));
    zc_client_close(direct);
    static relay r;
    relay_start(&r, HOLD_REQUESTS);
    zc_client *c = client_at(r.port, 1);
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_open(c, "piped", &a)); /* one GET, on a connection not held */
    atomic_store(&r.hold, true);
    write_read_check(a, 1); /* 200 PUTs, then 200 GETs, on the one worker connection */
    zc_array_close(a);
    zc_client_close(c);
    relay_stop(&r);
    cr_assert_gt(atomic_load(&r.connections), 1);
    cr_assert_eq(atomic_load(&r.stalled), 0,
                 "%d of %d connections: the client waited for an answer before sending its "
                 "next request (no pipelining)",
                 atomic_load(&r.stalled), atomic_load(&r.connections));
}

/* A read that wants a few inner chunks of each of several shards asks for them with one
 * `?chunks=` request per shard, and sends those requests together on one connection
 * (client/zc_shard_read.c, zc_shard_read_few): read shard by shard, a connection would carry
 * one request and wait for its answer. A missing shard reads as the fill value on that path
 * too. */
Test(pipe, a_few_inner_chunks_of_several_shards_go_out_together)
{
    enum { INNER = 10, SHARD = 100, LEN = 400, WRITTEN = 300 };
    uint64_t shape[1] = {LEN}, chunks[1] = {INNER}, shards[1] = {SHARD};
    zc_array_spec spec = ct_spec_1d(shape, chunks, shards, "zstd");
    static uint8_t in[LEN];
    pattern(in, WRITTEN, 5); /* the last shard is never written */
    zc_client *direct = client_at(zt_srv()->port, 1);
    zc_array *a = NULL;
    ZC_OK_OR_FAIL(zc_array_create(direct, "few", &spec, &a));
    ZC_OK_OR_FAIL(zc_array_write(a, (uint64_t[]){0}, (uint64_t[]){WRITTEN}, in));
    zc_array_close(a);
    zc_client_close(direct);

    static relay r;
    relay_start(&r, 2);
    zc_client *c = client_at(r.port, 2);
    ZC_OK_OR_FAIL(zc_array_open(c, "few", &a)); /* one GET, on a connection not held */
    atomic_store(&r.hold, true);
    int before = atomic_load(&r.requests);
    /* [85, 115): inner chunks 8 and 9 of shard 0, 10 and 11 of shard 1 */
    uint8_t out[30];
    ZC_OK_OR_FAIL(zc_array_read(a, (uint64_t[]){85}, (uint64_t[]){30}, NULL, out));
    cr_assert_eq(memcmp(out, in + 85, sizeof out), 0, "[85, 115) read back wrong");
    /* [285, 315): inner chunks 28 and 29 of shard 2, 30 and 31 of the missing shard 3 */
    ZC_OK_OR_FAIL(zc_array_read(a, (uint64_t[]){285}, (uint64_t[]){30}, NULL, out));
    cr_assert_eq(memcmp(out, in + 285, sizeof out), 0, "[285, 315) read back wrong");
    int requests = atomic_load(&r.requests) - before;
    cr_assert_eq(requests, 4, "%d requests for 8 inner chunks of 4 shards, not one per shard",
                 requests);
    zc_array_close(a);
    zc_client_close(c);
    relay_stop(&r);
    cr_assert_eq(atomic_load(&r.stalled), 0,
                 "%d of %d connections: the client waited for the answers of one shard before "
                 "asking for the next shard's inner chunks",
                 atomic_load(&r.stalled), atomic_load(&r.connections));
}

/* Requests a read of `count` inner chunks of `inner` bytes from one shard of 1-D array `path`
 * makes (the relay counts them); the bytes read must be those written. */
static int requests_for(relay *r, zc_client *direct, const char *path, uint64_t inner,
                        uint64_t per_shard, uint64_t count)
{
    uint64_t shape[1] = {inner * per_shard}, chunks[1] = {inner}, shards[1] = {inner * per_shard};
    zc_array_spec spec = ct_spec_1d(shape, chunks, shards, "none");
    uint8_t *in = malloc(shape[0]), *out = malloc(shape[0]);
    pattern(in, shape[0], 9);
    zc_array *a = NULL;
    ZC_OK_OR_FAIL(zc_array_create(direct, path, &spec, &a));
    ZC_OK_OR_FAIL(zc_array_write(a, (uint64_t[]){0}, shape, in));
    zc_array_close(a);
    zc_client *c = client_at(r->port, 1);
    ZC_OK_OR_FAIL(zc_array_open(c, path, &a));
    int before = atomic_load(&r->requests);
    ZC_OK_OR_FAIL(zc_array_read(a, (uint64_t[]){0}, (uint64_t[]){inner * count}, NULL, out));
    int requests = atomic_load(&r->requests) - before;
    cr_assert_eq(memcmp(out, in, inner * count), 0, "%s read back wrong", path);
    zc_array_close(a);
    zc_client_close(c);
    free(in);
    free(out);
    return requests;
}

/* A read of many inner chunks of one shard asks for up to 64 with one `?chunks=` request, and
 * for fewer when they are large (an answer stays about 4 MiB). */
Test(pipe, many_inner_chunks_of_a_shard_take_few_requests)
{
    zc_client *direct = client_at(zt_srv()->port, 1);
    static relay r;
    relay_start(&r, HOLD_REQUESTS); /* never holding: it only counts */
    int small = requests_for(&r, direct, "small", 100, 128, 100);
    int large = requests_for(&r, direct, "large", 256 * 1024, 24, 20);
    relay_stop(&r);
    zc_client_close(direct);
    cr_assert_eq(small, 2, "100 inner chunks of 100 bytes: %d requests, not 64 + 36", small);
    cr_assert_eq(large, 2, "20 inner chunks of 256 KiB: %d requests, not 16 + 4", large);
}

/* A write that covers 20 inner chunks of a shard only partly fetches their old bytes with one
 * `?chunks=` request, then sends one batch: two requests, where fetching each was 20 more. */
Test(pipe, a_partial_write_fetches_the_inner_chunks_it_merges_with_one_request)
{
    enum { N = 40, INNER = 4 }; /* a 40 x 40 shard of 10 x 10 inner chunks of 4 x 4 */
    uint64_t shape[2] = {N, N}, chunks[2] = {INNER, INNER}, shards[2] = {N, N};
    zc_array_spec spec = {.ndim = 2,
                          .shape = shape,
                          .chunks = chunks,
                          .shards = shards,
                          .dtype = "uint8",
                          .codec = "zstd"};
    static uint8_t in[N * N], patch[N * N], out[N * N];
    pattern(in, sizeof in, 3);
    zc_client *direct = client_at(zt_srv()->port, 1);
    zc_array *a = NULL;
    ZC_OK_OR_FAIL(zc_array_create(direct, "merge", &spec, &a));
    ZC_OK_OR_FAIL(zc_array_write(a, (uint64_t[]){0, 0}, shape, in));
    zc_array_close(a);
    static relay r;
    relay_start(&r, HOLD_REQUESTS); /* never holding: it only counts */
    zc_client *c = client_at(r.port, 1);
    ZC_OK_OR_FAIL(zc_array_open(c, "merge", &a));
    /* rows [2, 38): inner chunk rows 1..8 whole, rows 0 and 9 (20 inner chunks) partly */
    pattern(patch, sizeof patch, 11);
    int before = atomic_load(&r.requests);
    ZC_OK_OR_FAIL(zc_array_write(a, (uint64_t[]){2, 0}, (uint64_t[]){36, N}, patch));
    int requests = atomic_load(&r.requests) - before;
    zc_array_close(a);
    zc_client_close(c);
    relay_stop(&r);
    memcpy(in + 2 * N, patch, 36 * N);
    ZC_OK_OR_FAIL(zc_array_open(direct, "merge", &a));
    ZC_OK_OR_FAIL(zc_array_read(a, (uint64_t[]){0, 0}, shape, NULL, out));
    cr_assert_eq(memcmp(out, in, sizeof in), 0, "the merged shard read back wrong");
    zc_array_close(a);
    zc_client_close(direct);
    cr_assert_eq(requests, 2, "%d requests for a write that merges 20 inner chunks", requests);
}

/* nginx in front of zarrd closing every connection after 7 requests. */
static pid_t nginx_start(const char *dir, int *port)
{
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof sa;
    bind(probe, (struct sockaddr *)&sa, sizeof sa);
    getsockname(probe, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    close(probe);
    char conf[4096], path[4200];
    snprintf(conf, sizeof conf,
             "worker_processes 1; daemon off; pid %s/nginx.pid; error_log %s/error.log warn;\n"
             "events { worker_connections 64; }\n"
             "http { access_log off; client_body_temp_path %s/body; proxy_temp_path %s/proxy;\n"
             "  fastcgi_temp_path %s/fcgi; uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
             "  keepalive_requests 7; client_max_body_size 16m;\n"
             "  server { listen 127.0.0.1:%d;\n"
             "    location / { proxy_pass http://127.0.0.1:%d; proxy_http_version 1.1;\n"
             "                 proxy_set_header Connection \"\"; proxy_buffering off; } } }\n",
             dir, dir, dir, dir, dir, dir, dir, *port, zt_srv()->port);
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(conf, f);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execlp("nginx", "nginx", "-c", path, "-p", dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* until it answers */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sa.sin_port = htons((uint16_t)*port);
        int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(fd);
        if (ok) return pid;
        if (waitpid(pid, NULL, WNOHANG) == pid) return -1;
        usleep(20000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return -1;
}

Test(pipe, a_peer_closing_mid_pipeline_loses_nothing)
{
    if (system("command -v nginx >/dev/null 2>&1") != 0) cr_skip_test("nginx is not installed");
    char dir[256];
    cr_assert_eq(zt_tmp_path(dir, sizeof dir, "zt-pipe-nginx-XXXXXX"), 0);
    cr_assert(mkdtemp(dir));
    int port;
    pid_t ng = nginx_start(dir, &port);
    cr_assert_gt(ng, 0, "nginx did not start");
    zc_client *c = client_at(port, 2);
    zc_array *a = create_array(c, "behind-nginx", "gzip");
    for (unsigned round = 0; round < 2; round++) /* overwrites, then the same keys again */
        write_read_check(a, 10 + round);
    zc_array_close(a);
    zc_client_close(c);
    kill(ng, SIGTERM);
    waitpid(ng, NULL, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(pipe, an_error_mid_run_leaves_the_connection_in_step)
{
    zc_client *c = client_at(zt_srv()->port, 1);
    zc_array *a = create_array(c, "broken", "gzip");
    write_read_check(a, 3);
    ZC_OK_OR_FAIL(zc_put(c, "broken/c/120", "not gzip", 8)); /* chunk 120 no longer decodes */
    static uint8_t out[CHUNK * NCHUNKS];
    uint64_t start[1] = {0}, shape[1] = {CHUNK * NCHUNKS};
    int rc = zc_array_read(a, start, shape, NULL, out);
    cr_assert_neq(rc, 0, "a corrupt chunk was read without an error");
    cr_assert(strstr(zc_errmsg(), "broken/c/120"), "message: %s", zc_errmsg());
    /* the answers that were in flight must not be taken for the next requests' */
    uint8_t fresh[CHUNK];
    pattern(fresh, sizeof fresh, 77);
    ZC_OK_OR_FAIL(zc_array_write(a, (uint64_t[]){120 * CHUNK}, (uint64_t[]){CHUNK}, fresh));
    ZC_OK_OR_FAIL(zc_array_read(a, start, shape, NULL, out));
    uint8_t want[CHUNK * NCHUNKS];
    pattern(want, sizeof want, 3);
    memcpy(want + 120 * CHUNK, fresh, CHUNK);
    cr_assert_eq(memcmp(out, want, sizeof want), 0, "the array read back wrong after the error");
    zc_array_close(a);
    zc_client_close(c);
}

static void start_small_bodies(void)
{
    zt_fixture_start_args((const char *[]){"--max-body", "1M", NULL});
}

/* One chunk of 64 MiB written at port (zarrd's, or the relay's in front of it) to a server
 * that takes 1 MiB at most: the call fails with the server's 413, zarrd reads far less than
 * the chunk, nothing is stored, and the client goes on. */
static void refused_chunk(relay *via, bool late, const char *path)
{
    enum { BIG = 64 << 20 };
    zc_client *c = client_at(via ? via->port : zt_srv()->port, 1);
    uint64_t shape[1] = {BIG};
    zc_array_spec s = ct_spec_1d(shape, shape, NULL, "none");
    zc_array *a = NULL;
    ZC_OK_OR_FAIL(zc_array_create(c, path, &s, &a));
    uint8_t *big = malloc(BIG);
    cr_assert_not_null(big);
    memset(big, 1, BIG); /* not the fill value, so the chunk is sent */
    pid_t pid = zt_srv()->pid;
    long long before = zt_proc_io(pid, "rchar");
    cr_assert_geq(before, 0);
    int heads = via ? atomic_load(&via->requests) : 0;
    if (late) atomic_store(&via->refuse_late, true);
    int rc = zc_array_write(a, (uint64_t[]){0}, shape, big);
    if (late) atomic_store(&via->refuse_late, false);
    long long read = zt_proc_io(pid, "rchar") - before;
    if (via) /* it was answered: sending it again would only be refused again */
        cr_assert_eq(atomic_load(&via->requests) - heads, 1, "%s: the refused chunk went %d times",
                     path, atomic_load(&via->requests) - heads);
    cr_assert_neq(rc, 0, "a chunk past --max-body was written");
    cr_assert_eq(zc_last_status(), 413, "status %d: %s", zc_last_status(), zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "exceeds the limit"), "message: %s", zc_errmsg());
    cr_assert_lt(read, 16ll << 20, "%s: the server read %lld bytes of a refused 64 MiB chunk", path,
                 read);
    char key[128];
    snprintf(key, sizeof key, "%s/c/0", path);
    void *d;
    size_t n;
    cr_assert_eq(zc_get(c, key, &d, &n), ZC_ENOTFOUND, "nothing was stored");
    snprintf(key, sizeof key, "%s-after", path); /* the client goes on */
    ZC_OK_OR_FAIL(zc_put(c, key, "v", 1));
    free(big);
    zc_array_close(a);
    zc_client_close(c);
}

Test(pipe, a_chunk_refused_early_is_not_sent_on, .init = start_small_bodies)
{
    refused_chunk(NULL, false, "refused");
    relay r;
    relay_start(&r, HOLD_REQUESTS);
    refused_chunk(&r, false, "refused-relayed");
    refused_chunk(&r, true, "refused-late");
    relay_stop(&r);
}
