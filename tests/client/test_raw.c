/* test_raw.c: the client's raw key/value operations and error reporting against a real zarrd:
 * get/put/patch/delete/head/range/list round trips, values streamed to a sink and sent from a
 * file or a source of unknown length, the server's 4xx reasons in zc_errmsg(), a server that is not
 * running, one client shared by many threads, bearer tokens. */
#include "client_test.h"
#include "zt_tmpdir.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(raw, .init = zt_fixture_start, .fini = zt_fixture_stop);

/* The value at key is v[0..n); `what` names it in a failure. */
static void expect_bytes(zc_client *c, const char *key, const void *v, size_t n, const char *what)
{
    void *data;
    size_t len;
    ZC_OK_OR_FAIL(zc_get(c, key, &data, &len));
    cr_assert_eq(len, n, "%s: %zu bytes, not %zu", key, len, n);
    cr_assert_eq(memcmp(data, v, n), 0, "%s: the value is not %s", key, what);
    zc_free(data);
}

static void expect_value(zc_client *c, const char *key, const char *expect)
{
    expect_bytes(c, key, expect, strlen(expect), expect);
}

Test(raw, put_get_head_delete)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "a/b/value", "hello world", 11));
    expect_value(c, "a/b/value", "hello world");
    uint64_t size = 0;
    ZC_OK_OR_FAIL(zc_head(c, "a/b/value", &size));
    cr_assert_eq(size, 11);
    ZC_OK_OR_FAIL(zc_put(c, "a/b/value", "replaced", 8));
    expect_value(c, "a/b/value", "replaced");
    ZC_OK_OR_FAIL(zc_delete(c, "a/b/value"));
    ZC_OK_OR_FAIL(zc_delete(c, "a/b/value"));
    void *data = NULL;
    size_t len = 0;
    cr_assert_eq(zc_get(c, "a/b/value", &data, &len), ZC_ENOTFOUND);
    cr_assert(strstr(zc_errmsg(), "404") && strstr(zc_errmsg(), "/a/b/value"), "message: %s",
              zc_errmsg());
    cr_assert_eq(zc_head(c, "a/b/value", &size), ZC_ENOTFOUND);
    zc_client_close(c);
}

Test(raw, empty_value_and_odd_key_characters)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "odd name/with%and é", "", 0));
    void *data = NULL;
    size_t len = 99;
    ZC_OK_OR_FAIL(zc_get(c, "odd name/with%and é", &data, &len));
    cr_assert_not_null(data);
    cr_assert_eq(len, 0);
    zc_free(data);
    zc_client_close(c);
}

/* ---- values that never pass through memory whole: zc_get_stream, zc_put_file,
 * zc_put_stream ---- */

typedef struct collected {
    uint8_t *data;
    size_t len, cap;
    int pieces;
    int stop_at; /* refuse this piece (1-based); 0: take them all */
} collected;

static int collect(void *arg, const void *piece, size_t n)
{
    collected *k = arg;
    if (++k->pieces == k->stop_at) return -1;
    cr_assert_leq(k->len + n, k->cap, "more bytes than the value has");
    memcpy(k->data + k->len, piece, n);
    k->len += n;
    return 0;
}

static uint8_t *patterned(size_t n)
{
    uint8_t *v = malloc(n);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)(i * 131 + (i >> 12));
    return v;
}

Test(raw, get_stream_passes_the_value_in_pieces)
{
    zc_client *c = ct_client(NULL);
    size_t n = 3 << 20;
    uint8_t *v = patterned(n), *back = malloc(n);
    ZC_OK_OR_FAIL(zc_put(c, "stream/v", v, n));
    collected k = {.data = back, .cap = n};
    uint64_t got = 0;
    ZC_OK_OR_FAIL(zc_get_stream(c, "stream/v", collect, &k, &got));
    cr_assert_eq(got, n);
    cr_assert_eq(k.len, n);
    cr_assert_eq(memcmp(back, v, n), 0, "the pieces do not make the value");
    cr_assert_gt(k.pieces, 8, "%d pieces: the value was held whole first", k.pieces);
    /* a sink that stops the transfer: ZC_EIO, never asked again, and the client goes on */
    for (int stop_at = 1; stop_at <= 2; stop_at++) {
        collected s = {.data = back, .cap = n, .stop_at = stop_at};
        cr_assert_eq(zc_get_stream(c, "stream/v", collect, &s, &got), ZC_EIO, "%s", zc_errmsg());
        cr_assert(strstr(zc_errmsg(), "stopped the transfer"), "message: %s", zc_errmsg());
        cr_assert_eq(s.pieces, stop_at, "the GET went again after its sink stopped it");
        cr_assert_eq(got, s.len);
    }
    uint64_t size = 0;
    ZC_OK_OR_FAIL(zc_head(c, "stream/v", &size));
    cr_assert_eq(size, n);
    /* an error answer's body is kept for its message, not passed on */
    collected none = {.data = back, .cap = n};
    cr_assert_eq(zc_get_stream(c, "stream/missing", collect, &none, &got), ZC_ENOTFOUND);
    cr_assert_eq(none.pieces, 0);
    cr_assert(strstr(zc_errmsg(), "HTTP 404") && strstr(zc_errmsg(), "not found"), "message: %s",
              zc_errmsg());
    ZC_OK_OR_FAIL(zc_put(c, "stream/empty", "", 0));
    ZC_OK_OR_FAIL(zc_get_stream(c, "stream/empty", collect, &none, &got));
    cr_assert_eq(got, 0);
    cr_assert_eq(none.pieces, 0);
    free(v);
    free(back);
    zc_client_close(c);
}

/* A temporary file holding v[0..n), open for reading (unlinked: it goes with its descriptor). */
static int file_of(const uint8_t *v, size_t n)
{
    char path[256];
    cr_assert_eq(zt_tmp_path(path, sizeof path, "zt-raw-XXXXXX"), 0);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    cr_assert_eq(write(fd, v, n), (ssize_t)n);
    return fd;
}

Test(raw, put_file_sends_a_regular_file)
{
    zc_client *c = ct_client(NULL);
    size_t n = (5 << 20) + 3;
    uint8_t *v = patterned(n);
    int fd = file_of(v, n);
    ZC_OK_OR_FAIL(zc_put_file(c, "file/v", fd)); /* from offset 0, wherever the file is at */
    expect_bytes(c, "file/v", v, n, "the file");
    close(fd);
    fd = file_of(v + 7, 3000); /* a small file goes with the head, read into one buffer */
    ZC_OK_OR_FAIL(zc_put_file(c, "file/v", fd));
    expect_bytes(c, "file/v", v + 7, 3000, "the small file");
    cr_assert_eq(ftruncate(fd, 0), 0); /* an empty file: an empty value */
    ZC_OK_OR_FAIL(zc_put_file(c, "file/v", fd));
    expect_bytes(c, "file/v", "", 0, "empty");
    close(fd);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(zc_put_file(c, "file/p", p[0]), ZC_EINVAL);
    cr_assert(strstr(zc_errmsg(), "not a regular file"), "message: %s", zc_errmsg());
    close(p[0]);
    close(p[1]);
    free(v);
    zc_client_close(c);
}

/* A source of v[0..n) in pieces of uneven sizes (1 to 100,000 bytes, never more than asked). */
typedef struct given {
    const uint8_t *v;
    size_t n, at;
    int calls;
    int stop_at;   /* fail this call (1-based); 0: give it all */
    bool overfill; /* claim one byte more than the buffer holds */
} given;

static ssize_t give(void *arg, void *buf, size_t cap)
{
    given *g = arg;
    if (++g->calls == g->stop_at) return -1;
    if (g->overfill) return (ssize_t)cap + 1;
    size_t k = (size_t)g->calls * 7919 % 100000 + 1;
    if (k > cap) k = cap;
    if (k > g->n - g->at) k = g->n - g->at;
    memcpy(buf, g->v + g->at, k);
    g->at += k;
    return (ssize_t)k;
}

Test(raw, put_stream_sends_a_value_of_unknown_length)
{
    zc_client *c = ct_client(NULL);
    size_t n = (3 << 20) + 17;
    uint8_t *v = patterned(n);
    given g = {.v = v, .n = n};
    uint64_t taken = 0;
    ZC_OK_OR_FAIL(zc_put_stream(c, "source/v", give, &g, &taken));
    cr_assert_eq(taken, n);
    cr_assert_gt(g.calls, 8, "%d calls: the value was taken in few pieces", g.calls);
    expect_bytes(c, "source/v", v, n, "what the source gave");
    /* a source that stops, or gives more than it was asked for: ZC_EIO, the source is not asked
     * again, and the key keeps its value (the server stores a chunked body only when it ends) */
    for (int stop_at = 1; stop_at <= 3; stop_at++) {
        given s = {.v = v + 1, .n = n - 1, .stop_at = stop_at};
        cr_assert_eq(zc_put_stream(c, "source/v", give, &s, &taken), ZC_EIO, "%s", zc_errmsg());
        cr_assert(strstr(zc_errmsg(), "source stopped the transfer"), "message: %s", zc_errmsg());
        cr_assert_eq(s.calls, stop_at, "the PUT went again after its source stopped it");
        cr_assert_eq(taken, s.at);
    }
    given over = {.v = v, .n = n, .overfill = true};
    cr_assert_eq(zc_put_stream(c, "source/v", give, &over, &taken), ZC_EIO, "%s", zc_errmsg());
    cr_assert_eq(over.calls, 1);
    expect_bytes(c, "source/v", v, n, "the one before the stopped streams");
    cr_assert_eq(zc_put_stream(c, "source/v", NULL, NULL, &taken), ZC_EINVAL);
    cr_assert(strstr(zc_errmsg(), "no source"), "message: %s", zc_errmsg());
    cr_assert_eq(taken, 0);
    given none = {.v = v, .n = 0}; /* an empty source: an empty value */
    ZC_OK_OR_FAIL(zc_put_stream(c, "source/v", give, &none, &taken));
    cr_assert_eq(taken, 0);
    expect_bytes(c, "source/v", "", 0, "empty");
    free(v);
    zc_client_close(c);
}

Test(raw, range_reads)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "r", "0123456789", 10));
    void *data;
    size_t len;
    ZC_OK_OR_FAIL(zc_get_range(c, "r", 2, 3, &data, &len));
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(data, "234", 3), 0);
    zc_free(data);
    ZC_OK_OR_FAIL(zc_get_range(c, "r", 7, ZC_TO_END, &data, &len));
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(data, "789", 3), 0);
    zc_free(data);
    ZC_OK_OR_FAIL(zc_get_range(c, "r", 8, 100, &data, &len));
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(data, "89", 2), 0);
    zc_free(data);
    cr_assert_eq(zc_get_range(c, "r", 10, 1, &data, &len), ZC_ERANGE);
    cr_assert(strstr(zc_errmsg(), "416"), "message: %s", zc_errmsg());
    zc_client_close(c);
}

Test(raw, patch_writes_and_extends)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "p", "aaaaaa", 6));
    ZC_OK_OR_FAIL(zc_patch(c, "p", 2, "XY", 2));
    expect_value(c, "p", "aaXYaa");
    ZC_OK_OR_FAIL(zc_patch(c, "p", 6, "tail", 4));
    expect_value(c, "p", "aaXYaatail");
    cr_assert_eq(zc_patch(c, "p", 11, "gap", 3), ZC_ERANGE, "%s", zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "HTTP 416 on PATCH /p"), "message: %s", zc_errmsg());
    cr_assert_eq(zc_patch(c, "missing", 0, "x", 1), ZC_ENOTFOUND);
    zc_client_close(c);
}

static int has_entry(const zc_entry *e, size_t n, const char *name, int is_dir)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0 && e[i].is_dir == is_dir) return 1;
    return 0;
}

Test(raw, list_one_level_and_recursive)
{
    zc_client *c = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(c, "arr/zarr.json", "{}", 2));
    ZC_OK_OR_FAIL(zc_put(c, "arr/c/0/0", "abc", 3));
    ZC_OK_OR_FAIL(zc_put(c, "arr/c/0/1", "de", 2));
    zc_entry *e;
    size_t n;
    ZC_OK_OR_FAIL(zc_list(c, "arr", 0, &e, &n));
    cr_assert_eq(n, 2);
    cr_assert(has_entry(e, n, "zarr.json", 0));
    cr_assert(has_entry(e, n, "c/", 1));
    zc_entries_free(e, n);
    ZC_OK_OR_FAIL(zc_list(c, "arr/", 1, &e, &n));
    cr_assert_eq(n, 3);
    cr_assert(has_entry(e, n, "zarr.json", 0));
    cr_assert(has_entry(e, n, "c/0/0", 0));
    cr_assert(has_entry(e, n, "c/0/1", 0));
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, "c/0/0") == 0) cr_assert_eq(e[i].size, 3);
    zc_entries_free(e, n);
    ZC_OK_OR_FAIL(zc_list(c, "", 0, &e, &n));
    cr_assert(has_entry(e, n, "arr/", 1));
    zc_entries_free(e, n);
    zc_client_close(c);
}

Test(raw, url_prefix_is_prepended)
{
    char url[128];
    ct_url(url, sizeof url, "/under/here/");
    zc_client *c = NULL;
    ZC_OK_OR_FAIL(zc_client_open(url, NULL, &c));
    ZC_OK_OR_FAIL(zc_put(c, "k", "v", 1));
    zc_client_close(c);
    zt_expect_value("/under/here/k", "v", 1);
}

Test(raw, bad_keys_and_urls_are_refused_locally)
{
    zc_client *c = ct_client(NULL);
    cr_assert_eq(zc_put(c, "a/../b", "x", 1), ZC_EINVAL);
    cr_assert(strstr(zc_errmsg(), "a/../b"), "message: %s", zc_errmsg());
    zc_client_close(c);
    zc_client *bad = NULL;
    cr_assert_eq(zc_client_open("https://x", NULL, &bad), ZC_EINVAL);
    cr_assert_null(bad);
    cr_assert(strstr(zc_errmsg(), "http://"), "message: %s", zc_errmsg());
}

Test(raw, server_not_running_is_a_clear_error)
{
    char url[128];
    ct_url(url, sizeof url, NULL);
    zt_fixture_stop(); /* the port is now closed */
    zc_options o;
    zc_options_init(&o);
    o.retries = 2;
    zc_client *c = NULL;
    ZC_OK_OR_FAIL(zc_client_open(url, &o, &c));
    void *data;
    size_t len;
    cr_assert_eq(zc_get(c, "k", &data, &len), ZC_ECONNECT);
    cr_assert(strstr(zc_errmsg(), "cannot connect") && strstr(zc_errmsg(), "refused"),
              "message: %s", zc_errmsg());
    cr_assert_eq(zc_patch(c, "k", 0, "x", 1), ZC_ECONNECT);
    zc_client_close(c);
}

struct worker_arg {
    zc_client *c;
    int id;
    int failures;
};

static void *hammer(void *p)
{
    struct worker_arg *a = p;
    for (int i = 0; i < 50; i++) {
        char key[64], val[64];
        snprintf(key, sizeof key, "t%d/k%d", a->id, i);
        int n = snprintf(val, sizeof val, "value %d of thread %d", i, a->id);
        void *data;
        size_t len;
        if (zc_put(a->c, key, val, (size_t)n) != 0 || zc_get(a->c, key, &data, &len) != 0) {
            a->failures++;
            continue;
        }
        if (len != (size_t)n || memcmp(data, val, len) != 0) a->failures++;
        zc_free(data);
    }
    return NULL;
}

Test(raw, one_client_shared_by_threads)
{
    zc_client *c = ct_client(NULL);
    pthread_t t[8];
    struct worker_arg a[8];
    for (int i = 0; i < 8; i++) {
        a[i] = (struct worker_arg){c, i, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, &a[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(a[i].failures, 0, "thread %d: %d failures", i, a[i].failures);
    }
    zc_client_close(c);
}

/* A server run with --token-file: the client's bearer token opens it, a read-only token gets
 * 403 with the server's reason, no token 401. */
static char token_file[256];

static void start_with_tokens(void)
{
    cr_assert_eq(zt_tmp_path(token_file, sizeof token_file, "zc-tokens-XXXXXX"), 0);
    int fd = mkstemp(token_file);
    cr_assert(fd >= 0);
    const char *lines = "writer-token rw\nreader-token ro\n";
    cr_assert_eq(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    close(fd);
    zt_fixture_start_args((const char *[]){"--token-file", token_file, NULL});
}

static void stop_with_tokens(void)
{
    zt_fixture_stop();
    unlink(token_file);
}

TestSuite(auth, .init = start_with_tokens, .fini = stop_with_tokens);

static zc_client *token_client(const char *token)
{
    zc_options o;
    zc_options_init(&o);
    o.token = token;
    return ct_client(&o);
}

Test(auth, bearer_tokens)
{
    zc_client *w = token_client("writer-token"), *r = token_client("reader-token");
    zc_client *none = ct_client(NULL);
    ZC_OK_OR_FAIL(zc_put(w, "k", "v", 1));
    expect_value(r, "k", "v");
    cr_assert_eq(zc_put(r, "k", "x", 1), ZC_EDENIED);
    cr_assert(strstr(zc_errmsg(), "HTTP 403"), "message: %s", zc_errmsg());
    void *d;
    size_t len;
    cr_assert_eq(zc_get(none, "k", &d, &len), ZC_EDENIED);
    cr_assert(strstr(zc_errmsg(), "HTTP 401"), "message: %s", zc_errmsg());
    zc_client_close(w);
    zc_client_close(r);
    zc_client_close(none);
    zc_client *bad = NULL;
    zc_options o;
    zc_options_init(&o);
    o.token = "has space";
    cr_assert_eq(zc_client_open("http://127.0.0.1:1", &o, &bad), ZC_EINVAL);
}

/* The server closes idle keep-alive connections (--idle-timeout 1): the client notices the
 * closed socket before its next request and reconnects — also for PATCH, which it never
 * retries, so the check must happen before anything is sent. */
static void start_idle_timeout(void)
{
    zt_fixture_start_args((const char *[]){"--idle-timeout", "1", NULL});
}

TestSuite(idle, .init = start_idle_timeout, .fini = zt_fixture_stop);

Test(idle, reconnects_after_the_server_closed_an_idle_connection)
{
    zc_options o;
    zc_options_init(&o);
    o.retries = -1; /* no retries: only the stale-socket check can save the request */
    zc_client *c = ct_client(&o);
    ZC_OK_OR_FAIL(zc_put(c, "k", "abc", 3));
    usleep(1600 * 1000);
    ZC_OK_OR_FAIL(zc_patch(c, "k", 1, "X", 1));
    usleep(1600 * 1000);
    expect_value(c, "k", "aXc");
    zc_client_close(c);
}

/* A body past the server's --max-body: 413 with the server's reason, the connection stays
 * usable. */
static void start_small_bodies(void)
{
    zt_fixture_start_args((const char *[]){"--max-body", "1K", NULL});
}

TestSuite(limits, .init = start_small_bodies, .fini = zt_fixture_stop);

Test(limits, body_too_large)
{
    zc_client *c = ct_client(NULL);
    size_t n = 4 << 20;
    char *big = calloc(1, n);
    cr_assert_eq(zc_put(c, "big", big, n), ZC_EOVERFLOW, "%s", zc_errmsg());
    cr_assert(strstr(zc_errmsg(), "HTTP 413"), "message: %s", zc_errmsg());
    ZC_OK_OR_FAIL(zc_put(c, "small", big, 10));
    free(big);
    zc_client_close(c);
}
