/* test_floods.c: floods on connections the server has accepted. Header floods (one endless
 * header line, or thousands of small fields) from many connections at once are refused with
 * 431 after the 16 KiB header budget, without the server buffering what follows. A pipelining
 * flood (10,000 requests in one write) is answered in order, or cut off by a clean close;
 * a pipelining client that never reads is held back by TCP flow control instead of growing
 * the server's memory. After each flood a normal client is served and VmRSS grew by a bound.
 * Hundreds of connections of random bytes (some behind a plausible request line) get client
 * errors or silence, never a server error or a crash. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define FLOODERS        40
#define FLOOD_BYTES     (1024 * 1024) /* header bytes each flooder tries to send */
#define FLOOD_PIECE     (16 * 1024)
#define PIPELINED       10000
#define PIPE_KEYS       16
#define UNREAD_VALUE    (64 * 1024)
#define UNREAD_MAX_SENT (64u * 1024 * 1024)
#define GARBAGE_CONNS   300
#define RSS_GROWTH_KB   (32 * 1024) /* bound on VmRSS growth during any one flood */

TestSuite(floods, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 90);

static void expect_bounded_growth(long before_kb, const char *what)
{
    long after = pd_rss_kb(zt_srv());
    fprintf(stderr, "floods: %s: VmRSS %ld -> %ld kB\n", what, before_kb, after);
    cr_assert_lt(after - before_kb, RSS_GROWTH_KB, "%s: VmRSS grew by %ld kB", what,
                 after - before_kb);
    cr_assert(pd_served(zt_srv(), 5000), "%s: a normal client was not served afterwards", what);
}

/* Flooder i sends FLOOD_BYTES of header section: even ones a single endless field value, odd
 * ones field after field. Pieces go round-robin so all floods are in flight together; a send
 * that fails or times out means the server stopped reading, which is what it should do. */
Test(floods, header_floods_get_431_and_memory_stays_bounded)
{
    long before = pd_rss_kb(zt_srv());
    zt_conn *f = pd_conns_open(zt_srv(), FLOODERS);
    cr_assert_not_null(f);
    static char endless[FLOOD_PIECE], fields[FLOOD_PIECE];
    memset(endless, 'e', sizeof endless);
    for (size_t i = 0; i + 8 <= sizeof fields; i += 8)
        memcpy(fields + i, "X-F: 1\r\n", 8);
    bool stopped[FLOODERS] = {false};
    for (size_t i = 0; i < FLOODERS; i++) {
        zt_conn_set_timeout(&f[i], 500);
        stopped[i] =
            zt_sendf(&f[i], "GET /k HTTP/1.1\r\nHost: t\r\n%s", i % 2 ? "" : "X-Endless: ") != 0;
    }
    for (size_t sent = 0; sent < FLOOD_BYTES; sent += FLOOD_PIECE)
        for (size_t i = 0; i < FLOODERS; i++)
            if (!stopped[i])
                stopped[i] = zt_send(&f[i], i % 2 ? fields : endless, FLOOD_PIECE) != 0;
    for (size_t i = 0; i < FLOODERS; i++) {
        zt_response r;
        zt_conn_set_timeout(&f[i], 10000);
        cr_assert_eq(zt_read_response(&f[i], &r, false), 0, "flooder %zu: no answer", i);
        zt_expect_error(&r, 431);
        zt_response_free(&r);
        cr_assert(zt_conn_closed_by_peer(&f[i]), "flooder %zu: connection left open", i);
    }
    pd_conns_close(f, FLOODERS);
    expect_bounded_growth(before, "header floods");
}

typedef struct pd_sender {
    zt_conn *c;
    const zd_buf *data;
    int rc;
} pd_sender;

static void *send_all(void *arg)
{
    pd_sender *s = arg;
    s->rc = zt_send(s->c, s->data->data, s->data->len);
    return NULL;
}

static void value_of(size_t k, char *out, size_t cap)
{
    snprintf(out, cap, "pipelined value number %zu", k);
}

Test(floods, pipelining_flood_answered_in_order_or_closed_cleanly)
{
    char key[32], value[64];
    for (size_t k = 0; k < PIPE_KEYS; k++) {
        snprintf(key, sizeof key, "/p/%zu", k);
        value_of(k, value, sizeof value);
        zt_put_str(key, value);
    }
    zd_buf flood = {0};
    for (size_t i = 0; i < PIPELINED; i++)
        cr_assert_eq(
            zd_buf_appendf(&flood, "GET /p/%zu HTTP/1.1\r\nHost: t\r\n\r\n", i % PIPE_KEYS), 0);
    long before = pd_rss_kb(zt_srv());
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    /* One write of the whole flood, from a thread: the answers must be read meanwhile. */
    pd_sender sender = {&c, &flood, 0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, send_all, &sender), 0);
    size_t answered = 0;
    for (; answered < PIPELINED; answered++) {
        zt_response r;
        if (zt_read_response(&c, &r, false) != 0) break;
        value_of(answered % PIPE_KEYS, value, sizeof value);
        cr_assert_eq(r.status, 200, "answer %zu: status %d", answered, r.status);
        cr_assert(r.body.len == strlen(value) && memcmp(r.body.data, value, r.body.len) == 0,
                  "answer %zu is not for request %zu: out of order", answered, answered);
        zt_response_free(&r);
    }
    if (answered < PIPELINED) /* allowed, if the server ends the connection cleanly */
        cr_assert(zt_conn_closed_by_peer(&c), "answers stopped at %zu without a close", answered);
    pthread_join(t, NULL);
    fprintf(stderr, "floods: %zu of %d pipelined requests answered\n", answered, PIPELINED);
    cr_assert_gt(answered, 0);
    zt_conn_close(&c);
    zd_buf_free(&flood);
    expect_bounded_growth(before, "pipelining flood");
}

Test(floods, pipelining_client_that_never_reads_is_held_back)
{
    static char big[UNREAD_VALUE];
    memset(big, 'b', sizeof big);
    cr_assert_eq(zt_status("PUT", "/big", NULL, big, sizeof big), 201);
    long before = pd_rss_kb(zt_srv());
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_conn_set_timeout(&c, 1000);
    static const char req[] = "GET /big HTTP/1.1\r\nHost: t\r\n\r\n";
    zd_buf batch = {0};
    for (size_t i = 0; i < 1000; i++)
        cr_assert_eq(zd_buf_append(&batch, req, sizeof req - 1), 0);
    /* Each request asks for 64 KiB: 64 MiB of requests would be 100 GiB of answers. The sends
     * must block (time out) long before, once socket buffers on both sides are full. */
    size_t sent = 0;
    while (sent < UNREAD_MAX_SENT && zt_send(&c, batch.data, batch.len) == 0)
        sent += batch.len;
    fprintf(stderr, "floods: %zu request bytes accepted before the server pushed back\n", sent);
    cr_assert_lt(sent, UNREAD_MAX_SENT, "the server kept reading requests nobody collects");
    expect_bounded_growth(before, "unread pipelining");
    zt_conn_close(&c);
    zd_buf_free(&batch);
    cr_assert(pd_served(zt_srv(), 5000));
}

/* Deterministic pseudo-random bytes (xorshift), so a failure can be replayed. */
static uint32_t next_random(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Hostile bytes on many connections: pure noise, or a plausible request line and headers
 * followed by noise. Whatever the server answers must be a well-formed response that is not
 * a server error, and it must keep serving. */
Test(floods, random_garbage_never_breaks_the_server)
{
    static const char *const prefixes[] = {
        "", "GET / HTTP/1.1\r\n", "PUT /g HTTP/1.1\r\nHost: t\r\n",
        "PATCH /g HTTP/1.1\r\nContent-Length: 9\r\n", "GET /_zarrd/metrics HTTP/1.1\r\nRange: "};
    uint32_t seed = 0x9e3779b9u;
    char noise[4096];
    for (int i = 0; i < GARBAGE_CONNS; i++) {
        size_t n = 1 + next_random(&seed) % sizeof noise;
        for (size_t j = 0; j < n; j++)
            noise[j] = (char)next_random(&seed);
        zt_conn c;
        cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
        zt_conn_set_timeout(&c, 500);
        const char *prefix = prefixes[i % 5];
        zt_send(&c, prefix, strlen(prefix));
        zt_send(&c, noise, n); /* the server may have closed already */
        shutdown(c.fd, SHUT_WR);
        zt_response r;
        if (zt_read_response(&c, &r, false) == 0) { /* silence or a close is fine too */
            cr_assert(r.status >= 100 && r.status < 600, "connection %d: status %d", i, r.status);
            cr_assert(r.status < 500 || r.status == 501 || r.status == 505,
                      "connection %d (seed state %u): server error %d", i, seed, r.status);
            zt_response_free(&r);
        }
        zt_conn_close(&c);
    }
    cr_assert(pd_served(zt_srv(), 5000), "server stopped answering after the garbage");
}
