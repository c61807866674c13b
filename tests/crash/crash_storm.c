/* crash_storm.c: kill -9 of a real zarrd in the middle of a storm of every kind of write, over
 * and over, each kill followed by a restart on the same root (cycling --fsync none, batch,
 * always), and a check of everything the clients were told.
 *
 * Writers (threads, one keep-alive connection each) own their keys, so every key has one
 * linear history: the state its last acknowledged request left, and the state the request in
 * flight when the server died would leave. Write kinds: plain PUT (some with chunked bodies,
 * sizes from empty to 2 MiB), raw PATCH (set_range; some spooled past 1 MiB, some extending
 * the value), multi-range PATCH (multipart/byteranges), DELETE, and on shared shards inner
 * chunk PUT, inner chunk DELETE and atomic batches. A round lets the storm reach a random
 * number of acknowledged writes, kills the server at a random moment after that, restarts it
 * and verifies:
 *   - every key and every inner chunk holds exactly its acknowledged state or its in-flight
 *     one (an acknowledged write is never lost; an unacknowledged one is all or nothing: a
 *     torn value, a half-applied PATCH or batch is a violation);
 *   - every shard file passes the checker with every inner chunk an intact payload;
 *   - no temporary file is left anywhere under the root (the restart reclaims them).
 * kill -9 keeps the page cache, so all three fsync modes must pass all of it (power loss is
 * tests/crash/powercut). Every round prints its counts; the last line sums them. Exit 0 when
 * nothing was violated, 1 otherwise, 2 for bad arguments.
 * Usage: crash_storm [--rounds N] [--seed S] [--writers W]   (defaults 20, 1, 6)
 * The suite runs 20 rounds; tests/crash/long_crash.sh runs 120. */
#include "shard_check.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zt_server.h"
#include "zt_tmpdir.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_WRITERS 16
#define KEYS        3 /* plain keys per writer */
#define SHARDS      3
#define CHUNKS      128 /* the 16 x 8 test shard */
#define LAYOUT      SHC_LAYOUT_16X8
#define BIG         (2u << 20)

enum { K_PUT, K_PATCH, K_MPATCH, K_DELETE, K_CHUNK, K_UNCHUNK, K_BATCH, K_KINDS };
static const char *const kind_names[K_KINDS] = {"put",   "patch",   "multipatch", "delete",
                                                "chunk", "unchunk", "batch"};

/* A plain key's state: a value or none. */
typedef struct value {
    bool exists;
    zd_buf bytes;
} value;

typedef struct key_state {
    value acked;
    value inflight;
    bool pending; /* a request was sent and not answered */
} key_state;

typedef struct chunk_state { /* round 0: empty */
    uint32_t acked, inflight;
    bool pending;
} chunk_state;

typedef struct writer {
    int id;
    unsigned seed;
    uint32_t round; /* version counter, continues across server lives */
    key_state keys[KEYS];
    long acked[K_KINDS];
    int bad_status; /* an answer other than the expected one while the server lived */
    char bad_what[160];
} writer;

static zt_server server;
static char root[512];
static int nwriters = 6;
static writer writers[MAX_WRITERS];
static chunk_state chunks[SHARDS][CHUNKS];
static atomic_long acked_total;
static atomic_int stop;

/* ---- values ---- */

/* Deterministic bytes for (writer, key, version) at offset `at` of a value: a misplaced or
 * stale byte shows. */
static void fill(uint8_t *out, size_t n, uint32_t tag, uint64_t at)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (at + i) * 0x9E3779B97F4A7C15ull ^ (uint64_t)tag * 0xC2B2AE3D27D4EB4Full;
        out[i] = (uint8_t)(x >> 56);
    }
}

static void value_copy(value *to, const value *from)
{
    to->exists = from->exists;
    zd_buf_reset(&to->bytes);
    zd_buf_append(&to->bytes, from->bytes.data, from->bytes.len);
}

static size_t pick_size(unsigned *seed, size_t small)
{
    int r = rand_r(seed) % 20;
    if (r == 0) return BIG / 2 + (size_t)rand_r(seed) % BIG; /* past the 1 MiB spool */
    if (r == 1) return 0;
    return 1 + (size_t)rand_r(seed) % small;
}

/* ---- requests ---- */

static int status_of(zt_conn *c, const char *method, const char *target, const char *headers,
                     const void *body, size_t len)
{
    zt_response r = {0};
    int rc = zt_send_request(c, method, target, headers, body, len);
    if (rc == 0) rc = zt_read_response(c, &r, false);
    int status = rc ? -1 : r.status;
    zt_response_free(&r);
    return status;
}

/* PUT with a chunked body in pieces of at most 64 KiB. */
static int put_chunked(zt_conn *c, const char *target, const uint8_t *data, size_t len)
{
    if (zt_sendf(c, "PUT %s HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", target))
        return -1;
    for (size_t off = 0; off < len; off += 65536) {
        size_t n = len - off < 65536 ? len - off : 65536;
        if (zt_sendf(c, "%zx\r\n", n) || zt_send(c, data + off, n) || zt_send(c, "\r\n", 2))
            return -1;
    }
    zt_response r = {0};
    if (zt_send(c, "0\r\n\r\n", 5) || zt_read_response(c, &r, false)) return -1;
    int status = r.status;
    zt_response_free(&r);
    return status;
}

/* One write of a plain key; fills k->inflight with the state it leaves. Returns the status
 * (-1: no answer) and the status it should get. */
static int plain_write(writer *w, zt_conn *c, int ki, int kind, int *want)
{
    key_state *k = &w->keys[ki];
    char target[64];
    snprintf(target, sizeof target, "/p/%d/%d", w->id, ki);
    uint32_t tag = (uint32_t)w->id << 24 ^ (uint32_t)ki << 20 ^ w->round;
    value *next = &k->inflight;
    value_copy(next, &k->acked);
    size_t size = next->bytes.len;
    zd_buf body = {0};
    char headers[256];
    int status;
    if (kind == K_PUT) {
        size_t n = pick_size(&w->seed, 48 * 1024);
        zd_buf_reset(&next->bytes);
        zd_buf_reserve(&next->bytes, n + 1);
        fill(next->bytes.data, n, tag, 0);
        next->bytes.len = n;
        next->exists = true;
        *want = k->acked.exists ? 204 : 201;
        k->pending = true;
        status = rand_r(&w->seed) % 4 == 0 ? put_chunked(c, target, next->bytes.data, n)
                                           : status_of(c, "PUT", target, NULL, next->bytes.data, n);
    } else if (kind == K_PATCH) {
        uint64_t off = (uint64_t)rand_r(&w->seed) % (size + 1);
        size_t n = pick_size(&w->seed, 16 * 1024);
        if (n == 0) n = 1;
        if (off + n > size) zd_buf_reserve(&next->bytes, off + n - size);
        fill(next->bytes.data + off, n, tag, off);
        if (off + n > size) next->bytes.len = off + n;
        snprintf(headers, sizeof headers, "Content-Range: bytes %llu-%llu/*\r\n",
                 (unsigned long long)off, (unsigned long long)(off + n - 1));
        *want = 204;
        k->pending = true;
        status = status_of(c, "PATCH", target, headers, next->bytes.data + off, n);
    } else if (kind == K_MPATCH) {
        static const char boundary[] = "zcrashB";
        int parts = 2 + rand_r(&w->seed) % 2;
        for (int p = 0; p < parts; p++) {
            size_t cur = next->bytes.len;
            uint64_t off = (uint64_t)rand_r(&w->seed) % (cur + 1);
            size_t n = 1 + (size_t)rand_r(&w->seed) % 4096;
            if (off + n > cur) zd_buf_reserve(&next->bytes, off + n - cur);
            fill(next->bytes.data + off, n, tag + (uint32_t)p, off);
            if (off + n > cur) next->bytes.len = off + n;
            zd_buf_appendf(&body, "--%s\r\nContent-Range: bytes %llu-%llu/*\r\n\r\n", boundary,
                           (unsigned long long)off, (unsigned long long)(off + n - 1));
            zd_buf_append(&body, next->bytes.data + off, n);
            zd_buf_append_str(&body, "\r\n");
        }
        zd_buf_appendf(&body, "--%s--\r\n", boundary);
        snprintf(headers, sizeof headers, "Content-Type: multipart/byteranges; boundary=%s\r\n",
                 boundary);
        *want = 204;
        k->pending = true;
        status = status_of(c, "PATCH", target, headers, body.data, body.len);
    } else { /* K_DELETE */
        next->exists = false;
        zd_buf_reset(&next->bytes);
        *want = 204;
        k->pending = true;
        status = status_of(c, "DELETE", target, NULL, NULL, 0);
    }
    zd_buf_free(&body);
    return status;
}

/* Writer w owns positions p of shard w % SHARDS with p % 2 == (w / SHARDS) % 2. */
static uint64_t pick_pos(writer *w)
{
    return (uint64_t)(rand_r(&w->seed) % (CHUNKS / 2)) * 2 + (uint64_t)((w->id / SHARDS) % 2);
}

static void shard_key(int s, char *out, size_t cap)
{
    snprintf(out, cap, "crash/c/%d/0", s);
}

/* One shard write; marks its chunks pending with their in-flight rounds. */
static int shard_write(writer *w, zt_conn *c, int kind, uint64_t *pos, int *npos)
{
    int s = w->id % SHARDS;
    char key[64], q[64];
    shard_key(s, key, sizeof key);
    uint64_t xy[2];
    zd_buf payload = {0}, batch = {0};
    int status;
    *npos = 1;
    pos[0] = pick_pos(w);
    if (kind == K_BATCH) {
        pos[1] = pick_pos(w);
        pos[2] = pick_pos(w);
        if (pos[1] != pos[0] && pos[2] != pos[0] && pos[2] != pos[1]) *npos = 3;
    }
    for (int i = 0; i < *npos; i++) {
        chunks[s][pos[i]].inflight = kind == K_UNCHUNK ? 0 : w->round;
        chunks[s][pos[i]].pending = true;
    }
    if (kind == K_BATCH) {
        zd_batch_begin(&batch, 2);
        for (int i = 0; i < *npos; i++) {
            xy[0] = pos[i] / 8;
            xy[1] = pos[i] % 8;
            sp_make(&payload, pos[i], w->round, sp_size(pos[i], w->round, 0, 3000));
            zd_batch_add_put(&batch, 2, xy, payload.data, payload.len);
        }
        status = shc_status(c, "POST", key, "batch", LAYOUT, batch.data, batch.len);
    } else {
        xy[0] = pos[0] / 8;
        xy[1] = pos[0] % 8;
        shc_chunk_query(q, sizeof q, 2, xy);
        if (kind == K_UNCHUNK) {
            status = shc_status(c, "DELETE", key, q, LAYOUT, NULL, 0);
        } else {
            sp_make(&payload, pos[0], w->round, sp_size(pos[0], w->round, 0, 3000));
            status = shc_status(c, "PUT", key, q, LAYOUT, payload.data, payload.len);
        }
    }
    zd_buf_free(&payload);
    zd_buf_free(&batch);
    return status;
}

static void *writer_run(void *arg)
{
    writer *w = arg;
    zt_conn c;
    if (zt_conn_open_server(&c, &server) != 0) return NULL;
    while (!atomic_load(&stop)) {
        w->round++;
        int kind = rand_r(&w->seed) % K_KINDS;
        int ki = rand_r(&w->seed) % KEYS;
        if ((kind == K_PATCH || kind == K_MPATCH) && !w->keys[ki].acked.exists) kind = K_PUT;
        int want = 204, status, npos = 0;
        uint64_t pos[3];
        if (kind <= K_DELETE)
            status = plain_write(w, &c, ki, kind, &want);
        else
            status = shard_write(w, &c, kind, pos, &npos);
        if (status < 0) break; /* the server died: the request stays in flight */
        if (status != want) {
            w->bad_status = status;
            snprintf(w->bad_what, sizeof w->bad_what, "%s of writer %d: status %d, expected %d",
                     kind_names[kind], w->id, status, want);
            break;
        }
        if (kind <= K_DELETE) {
            value_copy(&w->keys[ki].acked, &w->keys[ki].inflight);
            w->keys[ki].pending = false;
        } else {
            for (int i = 0; i < npos; i++) {
                chunk_state *cs = &chunks[w->id % SHARDS][pos[i]];
                cs->acked = cs->inflight;
                cs->pending = false;
            }
        }
        w->acked[kind]++;
        atomic_fetch_add(&acked_total, 1);
    }
    zt_conn_close(&c);
    return NULL;
}

/* ---- verification ---- */

typedef struct tally {
    long inflight_applied, inflight_dropped;
    long violations;
    long leftovers;
} tally;

static void violation(tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void violation(tally *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("VIOLATION: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    t->violations++;
}

static bool same(const value *v, int status, const zt_response *r)
{
    if (!v->exists) return status == 404;
    return status == 200 && r->body.len == v->bytes.len &&
           (v->bytes.len == 0 || memcmp(r->body.data, v->bytes.data, v->bytes.len) == 0);
}

static void verify_plain(zt_conn *c, tally *t)
{
    for (int wi = 0; wi < nwriters; wi++)
        for (int ki = 0; ki < KEYS; ki++) {
            key_state *k = &writers[wi].keys[ki];
            char target[64];
            snprintf(target, sizeof target, "/p/%d/%d", wi, ki);
            zt_response r = {0};
            if (zt_send_request(c, "GET", target, NULL, NULL, 0) ||
                zt_read_response(c, &r, false)) {
                violation(t, "GET %s: no answer after the restart", target);
                continue;
            }
            if (same(&k->acked, r.status, &r)) {
                t->inflight_dropped += k->pending;
            } else if (k->pending && same(&k->inflight, r.status, &r)) {
                t->inflight_applied++;
                value_copy(&k->acked, &k->inflight);
            } else {
                violation(t, "%s: status %d, %zu bytes; acknowledged: %s %zu bytes%s%s %zu bytes",
                          target, r.status, r.body.len, k->acked.exists ? "a value of" : "none,",
                          k->acked.bytes.len, k->pending ? "; in flight: " : "",
                          k->pending ? (k->inflight.exists ? "a value of" : "none,") : "",
                          k->pending ? k->inflight.bytes.len : 0);
                k->acked.exists = r.status == 200; /* go on from what is there */
                zd_buf_reset(&k->acked.bytes);
                zd_buf_append(&k->acked.bytes, r.body.data, r.body.len);
            }
            k->pending = false;
            zt_response_free(&r);
        }
}

static void verify_shards(zt_conn *c, tally *t)
{
    zd_shard_layout l = shc_layout_16x8();
    zd_buf file = {0};
    for (int s = 0; s < SHARDS; s++) {
        char key[64];
        shard_key(s, key, sizeof key);
        for (uint64_t pos = 0; pos < CHUNKS; pos++) {
            chunk_state *cs = &chunks[s][pos];
            uint64_t xy[2] = {pos / 8, pos % 8};
            char q[64];
            shc_chunk_query(q, sizeof q, 2, xy);
            zt_response r = {0};
            if (shc_request(c, "GET", key, q, LAYOUT, NULL, 0, &r)) {
                violation(t, "%s?%s: no answer after the restart", key, q);
                continue;
            }
            uint32_t round = 0;
            if (r.status == 200 && !sp_check(r.body.data, r.body.len, pos, &round))
                violation(t, "%s?%s: torn inner chunk", key, q);
            else if (r.status != 200 && r.status != 404)
                violation(t, "%s?%s: status %d", key, q, r.status);
            else if (round == cs->acked)
                t->inflight_dropped += cs->pending && cs->inflight != cs->acked;
            else if (cs->pending && round == cs->inflight)
                t->inflight_applied++;
            else
                violation(t, "%s?%s holds round %u; acknowledged %u%s", key, q, round, cs->acked,
                          cs->pending ? ", another in flight" : "");
            cs->acked = cs->inflight = round;
            cs->pending = false;
            zt_response_free(&r);
        }
        if (shc_read_file(root, key, &file) == 0) {
            zd_error err = {0};
            if (sh_check_buffer(&l, file.data, file.len, sp_check_chunk, NULL, NULL, &err))
                violation(t, "shard %s fails the checker: %s", key, err.msg);
        }
    }
    zd_buf_free(&file);
}

/* Temporary files anywhere under dir: names starting ".zarrd-tmp", and anything inside a
 * staging directory ".zarrd-staging". */
static long count_leftovers(const char *dir, bool in_staging)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    long n = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(path, &st)) continue;
        bool staging = in_staging || strcmp(de->d_name, ".zarrd-staging") == 0;
        if (S_ISDIR(st.st_mode))
            n += count_leftovers(path, staging);
        else
            n += in_staging || strncmp(de->d_name, ".zarrd-tmp", 10) == 0;
    }
    closedir(d);
    return n;
}

static void verify(tally *t)
{
    zt_conn c;
    if (zt_conn_open_server(&c, &server)) {
        violation(t, "cannot connect to the restarted server");
        return;
    }
    verify_plain(&c, t);
    verify_shards(&c, t);
    zt_conn_close(&c);
    t->leftovers = count_leftovers(root, false);
    if (t->leftovers) violation(t, "%ld temporary files left under the root", t->leftovers);
}

/* ---- rounds ---- */

static int start_server(const char *fsync)
{
    const char *args[] = {"--root", root, "--fsync", fsync, "--threads", "2", NULL};
    zt_server_opts opts = {.store = "fs", .extra_args = args};
    return zt_server_start(&server, &opts);
}

static double secs(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: crash_storm [--rounds N] [--seed S] [--writers W (1..%d)]\n",
            MAX_WRITERS);
    return 2;
}

int main(int argc, char **argv)
{
    int rounds = 20;
    unsigned seed = 1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
            seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && !strcmp(argv[i], "--writers"))
            nwriters = atoi(argv[++i]);
        else
            return usage();
    }
    if (rounds < 1 || nwriters < 1 || nwriters > MAX_WRITERS) return usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[400];
    if (zt_tmpdir_create(dir, sizeof dir)) return 1;
    snprintf(root, sizeof root, "%s/root", dir);
    for (int i = 0; i < nwriters; i++)
        writers[i] = (writer){.id = i, .seed = seed * 7919u + (unsigned)i};
    static const char *const modes[] = {"none", "batch", "always"};
    long total[K_KINDS] = {0}, applied = 0, dropped = 0, violations = 0, leftovers = 0;
    int failed_rounds = 0;
    for (int round = 1; round <= rounds; round++) {
        const char *mode = modes[(round - 1) % 3];
        struct timespec t0, t1 = {0}, t2 = {0};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (start_server(mode)) {
            printf("round %d: zarrd did not start (see its stderr above)\n", round);
            return 1;
        }
        long before[K_KINDS] = {0};
        for (int i = 0; i < nwriters; i++)
            for (int k = 0; k < K_KINDS; k++)
                before[k] += writers[i].acked[k];
        /* the kill comes after a random amount of progress, not of time, so a slow machine
         * still tests something; then a random moment within the next few milliseconds */
        long target = 40 + rand_r(&seed) % 240;
        atomic_store(&acked_total, 0);
        atomic_store(&stop, 0);
        pthread_t t[MAX_WRITERS];
        for (int i = 0; i < nwriters; i++)
            pthread_create(&t[i], NULL, writer_run, &writers[i]);
        while (atomic_load(&acked_total) < target) {
            bool any_bad = false;
            for (int i = 0; i < nwriters; i++)
                any_bad |= writers[i].bad_status != 0;
            if (any_bad) break;
            nanosleep(&(struct timespec){0, 1000000L}, NULL);
        }
        nanosleep(&(struct timespec){0, (long)(rand_r(&seed) % 5000) * 1000L}, NULL);
        zt_server_signal(&server, SIGKILL);
        int wstatus = 0;
        zt_server_wait(&server, 10000, &wstatus);
        atomic_store(&stop, 1);
        tally tl = {0};
        for (int i = 0; i < nwriters; i++) {
            pthread_join(t[i], NULL);
            if (writers[i].bad_status) {
                violation(&tl, "%s", writers[i].bad_what);
                writers[i].bad_status = 0;
            }
        }
        zt_server_stop(&server, NULL); /* reaped already; removes the server's own temp dir */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (start_server(modes[round % 3])) {
            printf("round %d: zarrd did not restart on the crashed root\n", round);
            return 1;
        }
        verify(&tl);
        if (zt_server_stop(&server, NULL))
            violation(&tl, "the restarted zarrd did not stop cleanly");
        clock_gettime(CLOCK_MONOTONIC, &t2);
        long now[K_KINDS] = {0}, sum = 0;
        char counts[256] = "";
        for (int k = 0; k < K_KINDS; k++) {
            for (int i = 0; i < nwriters; i++)
                now[k] += writers[i].acked[k];
            now[k] -= before[k];
            total[k] += now[k];
            sum += now[k];
            snprintf(counts + strlen(counts), sizeof counts - strlen(counts), "%s %s %ld",
                     k ? "," : "", kind_names[k], now[k]);
        }
        printf("round %d (--fsync %s): %ld acknowledged writes (%s); in flight at the kill: %ld "
               "applied, %ld not; violations %ld; temp files left %ld (storm %.1f s, restart and "
               "check %.1f s)\n",
               round, mode, sum, counts, tl.inflight_applied, tl.inflight_dropped, tl.violations,
               tl.leftovers, secs(&t0, &t1), secs(&t1, &t2));
        applied += tl.inflight_applied;
        dropped += tl.inflight_dropped;
        violations += tl.violations;
        leftovers += tl.leftovers;
        failed_rounds += tl.violations > 0;
    }
    long sum = 0;
    char counts[256] = "";
    for (int k = 0; k < K_KINDS; k++) {
        sum += total[k];
        snprintf(counts + strlen(counts), sizeof counts - strlen(counts), "%s %s %ld", k ? "," : "",
                 kind_names[k], total[k]);
    }
    printf("crash_storm: %d kill -9 rounds, %ld acknowledged writes (%s), %ld lost or torn "
           "(violations), in flight at the kills: %ld applied whole, %ld not at all; temp files "
           "left after restarts: %ld; rounds with violations: %d\n",
           rounds, sum, counts, violations, applied, dropped, leftovers, failed_rounds);
    if (!violations) zt_tmpdir_remove(dir);
    return violations ? 1 : 0;
}
