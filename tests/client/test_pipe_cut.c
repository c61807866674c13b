/* test_pipe_cut.c: zc_pipe_run against a peer that answers a request before its body is all
 * sent and keeps the connection open (RFC 9112 lets a server do so if it then reads the rest of
 * the body and drops it). The pipeline must stop sending that body, take the answer as the
 * request's, and send the rest of the run on a new connection: on the old one, what follows
 * would be taken for the rest of the cut body. zarrd closes after such an answer, and the array
 * calls fail on any refusal, so no test through the public API reaches this path. */
#include <criterion/criterion.h>

#include "zc_pipe.h"
#include "zt_peer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NREQ = 6, REFUSED = 1, BODY = 256 << 10, REFUSED_BODY = 64 << 20 };

static uint8_t body_byte(int k, size_t i)
{
    return (uint8_t)(k * 31 + i * 7);
}

/* The bytes of the refused body the peer read before it ended. */
static atomic_llong refused_read;

/* Read one request head, a byte at a time (so no body byte is taken with it). Its length, or -1
 * when the client closed. */
static int recv_head(int fd, char *h, size_t cap)
{
    for (size_t n = 0; n + 1 < cap;) {
        if (recv(fd, h + n, 1, 0) <= 0) return -1;
        n++;
        if (n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0) {
            h[n] = '\0';
            return (int)n;
        }
    }
    return -1;
}

/* Answer with an empty body; false when the client is gone (the run then fails, and says so). */
static bool answer(int fd, int status)
{
    char a[128];
    int n = snprintf(a, sizeof a, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", status,
                     status == 201   ? "Created"
                     : status == 413 ? "Content Too Large"
                                     : "Bad");
    return send(fd, a, (size_t)n, MSG_NOSIGNAL) == n;
}

/* The body of request k: checked byte by byte (201 when it is the one sent, else 400); a refused
 * body is answered at once (413, the connection kept) and read slowly and dropped. false when
 * the client closed. */
static bool serve_body(int fd, int k, bool refuse, size_t len)
{
    static uint8_t buf[64 * 1024];
    if (refuse && !answer(fd, 413)) return false;
    bool same = true;
    for (size_t at = 0; at < len;) {
        size_t want = len - at < sizeof buf ? len - at : sizeof buf;
        ssize_t n = recv(fd, buf, want, 0);
        if (n <= 0) return false;
        if (refuse) {
            atomic_fetch_add(&refused_read, n);
            usleep(2000); /* slower than the client sends: its socket fills */
        }
        for (ssize_t i = 0; !refuse && i < n; i++)
            same = same && buf[i] == body_byte(k, at + (size_t)i);
        at += (size_t)n;
    }
    return refuse || answer(fd, same ? 201 : 400);
}

/* Requests PUT /ok/K and PUT /refuse/K, one after another, until the client closes. */
static void serve(zt_peer *p, int fd)
{
    (void)p;
    char head[2048], path[64];
    int k;
    while (recv_head(fd, head, sizeof head) > 0) {
        const char *cl = strcasestr(head, "\r\ncontent-length:");
        if (sscanf(head, "PUT /%63[^/]/%d HTTP/1.1", path, &k) != 2 || !cl) {
            (void)answer(fd, 400);
            return;
        }
        size_t len = strtoull(cl + 17, NULL, 10);
        if (!serve_body(fd, k, strcmp(path, "refuse") == 0, len)) return;
    }
}

typedef struct run {
    uint8_t *body[NREQ];
    size_t len[NREQ];
    int status[NREQ];
    int answers;
} run;

static int prepare(void *arg, size_t k, zc_pipe_rq *rq, zd_error *err)
{
    (void)err;
    run *r = arg;
    static char key[NREQ][32];
    snprintf(key[k], sizeof key[k], "%s/%zu", k == REFUSED ? "refuse" : "ok", k);
    *rq = (zc_pipe_rq){.method = "PUT", .key = key[k], .body = r->body[k], .body_len = r->len[k]};
    return 0;
}

static int done(void *arg, size_t k, const zc_request *rq, zc_response *rs, zd_error *err)
{
    (void)rq, (void)err;
    run *r = arg;
    r->status[k] = rs->status;
    r->answers++;
    return 0; /* every status is taken: the run goes on after the refusal */
}

Test(pipe_cut, a_run_goes_on_in_step_after_an_answer_that_cut_a_body)
{
    zt_peer p;
    zt_peer_start(&p, serve, NULL);
    zc_conn_cfg cfg = {.connect_timeout_ms = 2000, .io_timeout_ms = 5000, .retries = 0};
    zd_error err = {0};
    cr_assert_eq(zc_url_parse(p.url, &cfg.url, &err), 0, "%s", err.msg);

    run r = {0};
    for (int k = 0; k < NREQ; k++) {
        r.len[k] = k == REFUSED ? REFUSED_BODY : BODY;
        cr_assert_not_null(r.body[k] = malloc(r.len[k]));
        for (size_t i = 0; i < r.len[k]; i++)
            r.body[k][i] = body_byte(k, i);
    }
    zc_conn conn;
    zc_conn_init(&conn, &cfg);
    zc_pipe pipe = {0};
    zc_pipe_ops ops = {.prepare = prepare, .done = done};
    int rc = zc_pipe_run(&pipe, &conn, NREQ, &ops, &r, &err);
    cr_assert_eq(rc, 0, "the run failed (%d): %s", rc, err.msg);
    cr_assert_eq(r.answers, NREQ);
    for (int k = 0; k < NREQ; k++)
        cr_assert_eq(r.status[k], k == REFUSED ? 413 : 201,
                     "request %d: %d (201: its body arrived whole and in step)", k, r.status[k]);
    long long refused = atomic_load(&refused_read);
    cr_assert_lt(refused, REFUSED_BODY, "the refused body went whole (%lld bytes): not cut",
                 refused);
    cr_assert_eq(atomic_load(&p.connections), 2, "%d connections", atomic_load(&p.connections));

    zc_pipe_free(&pipe);
    zc_conn_free(&conn);
    zt_peer_stop(&p);
    for (int k = 0; k < NREQ; k++)
        free(r.body[k]);
}
