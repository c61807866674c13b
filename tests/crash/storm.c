/* storm.c: the crash tests' write storm and its checks (see storm.h).
 *
 * A key's history holds its base state (what a check last found, or "absent" at the start; sent
 * and acknowledged at time 0) and then every version a writer sent, with the times. Writers are
 * sequential per key, so at most the last version is unacknowledged. */
#include "storm.h"

#include "shard_check.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS   3   /* plain keys per writer */
#define SHARDS 3   /* shared by the writers: writer w owns chunks of shard w % SHARDS */
#define CHUNKS 128 /* the 16 x 8 test shard */
#define LAYOUT SHC_LAYOUT_16X8

const char *const storm_kind_names[K_KINDS] = {"put",   "patch",   "multipatch", "delete",
                                               "chunk", "unchunk", "batch"};

typedef struct version {    /* of a plain key */
    uint64_t t_send, t_ack; /* t_ack 0: never acknowledged (the base: both 0, acked) */
    bool exists;
    zd_buf bytes;
} version;

typedef struct cversion { /* of an inner chunk; round 0: empty */
    uint64_t t_send, t_ack;
    uint32_t round;
} cversion;

typedef struct key_hist {
    version *v;
    size_t n, cap;
} key_hist;

typedef struct chunk_hist {
    cversion *v;
    size_t n, cap;
} chunk_hist;

typedef struct writer {
    storm *st;
    int id;
    unsigned seed;
    uint32_t round; /* version counter, continues across server lives */
    key_hist keys[KEYS];
    long acked[K_KINDS];
    char failure[160];
    pthread_t thread;
} writer;

struct storm {
    storm_opts o;
    const zt_server *srv;
    writer w[STORM_MAX_WRITERS];
    chunk_hist chunks[SHARDS][CHUNKS];
    atomic_long acked_now;
    atomic_int stop;
    char failure[160];
};

uint64_t storm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- histories ---- */

/* v (n elements of `size` bytes, room for *cap) with room for one more: doubled when full. */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return v;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = realloc(v, c * size);
    if (!p) abort();
    *cap = c;
    return p;
}

static version *key_push(key_hist *h)
{
    h->v = grow(h->v, &h->cap, h->n, sizeof *h->v);
    version *v = &h->v[h->n++];
    memset(v, 0, sizeof *v);
    return v;
}

static cversion *chunk_push(chunk_hist *h, uint32_t round)
{
    h->v = grow(h->v, &h->cap, h->n, sizeof *h->v);
    cversion *v = &h->v[h->n++];
    *v = (cversion){.t_send = storm_now(), .round = round};
    return v;
}

/* Keep only version i, as the base (acknowledged at time 0). */
static void key_settle(key_hist *h, size_t i)
{
    version keep = h->v[i];
    for (size_t k = 0; k < h->n; k++)
        if (k != i) zd_buf_free(&h->v[k].bytes);
    h->v[0] = keep;
    h->v[0].t_send = h->v[0].t_ack = 0;
    h->n = 1;
}

static void chunk_settle(chunk_hist *h, uint32_t round)
{
    h->v[0] = (cversion){.round = round};
    h->n = 1;
}

storm *storm_new(const storm_opts *o)
{
    storm *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->o = *o;
    for (int i = 0; i < o->writers; i++) {
        writer *w = &st->w[i];
        w->st = st;
        w->id = i;
        w->seed = o->seed * 7919u + (unsigned)i;
        for (int k = 0; k < KEYS; k++)
            key_push(&w->keys[k]); /* base: absent */
    }
    for (int s = 0; s < SHARDS; s++)
        for (int c = 0; c < CHUNKS; c++)
            chunk_push(&st->chunks[s][c], 0)->t_send = 0; /* base: empty */
    return st;
}

void storm_free(storm *st)
{
    if (!st) return;
    for (int i = 0; i < st->o.writers; i++)
        for (int k = 0; k < KEYS; k++) {
            key_hist *h = &st->w[i].keys[k];
            for (size_t j = 0; j < h->n; j++)
                zd_buf_free(&h->v[j].bytes);
            free(h->v);
        }
    for (int s = 0; s < SHARDS; s++)
        for (int c = 0; c < CHUNKS; c++)
            free(st->chunks[s][c].v);
    free(st);
}

/* ---- writing ---- */

/* Deterministic bytes for a version at offset `at` of a value: a misplaced or stale byte shows. */
static void fill(uint8_t *out, size_t n, uint32_t tag, uint64_t at)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (at + i) * 0x9E3779B97F4A7C15ull ^ (uint64_t)tag * 0xC2B2AE3D27D4EB4Full;
        out[i] = (uint8_t)(x >> 56);
    }
}

static size_t pick_size(writer *w, size_t small)
{
    int r = rand_r(&w->seed) % 20;
    if (r == 0 && w->st->o.big_size)
        return w->st->o.big_size / 2 + rand_r(&w->seed) % w->st->o.big_size;
    if (r == 1) return 0;
    return 1 + (size_t)rand_r(&w->seed) % small;
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

/* One write of plain key ki: pushes the version it makes and returns the answer's status (-1:
 * none) and the status it should have. */
static int plain_write(writer *w, zt_conn *c, int ki, int kind, int *want)
{
    key_hist *h = &w->keys[ki];
    const version *cur = &h->v[h->n - 1];
    char target[64];
    snprintf(target, sizeof target, "/p/%d/%d", w->id, ki);
    uint32_t tag = (uint32_t)w->id << 24 ^ (uint32_t)ki << 20 ^ w->round;
    bool existed = cur->exists;
    version next = {.exists = true};
    zd_buf_append(&next.bytes, cur->bytes.data, cur->bytes.len);
    size_t size = next.bytes.len;
    zd_buf body = {0};
    char headers[256];
    *want = 204;
    if (kind == K_PUT) {
        size_t n = pick_size(w, 48 * 1024);
        zd_buf_reset(&next.bytes);
        zd_buf_reserve(&next.bytes, n + 1);
        fill(next.bytes.data, n, tag, 0);
        next.bytes.len = n;
        *want = existed ? 204 : 201;
    } else if (kind == K_PATCH) {
        uint64_t off = (uint64_t)rand_r(&w->seed) % (size + 1);
        size_t n = pick_size(w, 16 * 1024);
        if (n == 0) n = 1;
        if (off + n > size) zd_buf_reserve(&next.bytes, off + n - size);
        fill(next.bytes.data + off, n, tag, off);
        if (off + n > size) next.bytes.len = off + n;
        snprintf(headers, sizeof headers, "Content-Range: bytes %llu-%llu/*\r\n",
                 (unsigned long long)off, (unsigned long long)(off + n - 1));
        zd_buf_append(&body, next.bytes.data + off, n);
    } else if (kind == K_MPATCH) {
        static const char boundary[] = "zcrashB";
        int parts = 2 + rand_r(&w->seed) % 2;
        for (int p = 0; p < parts; p++) {
            size_t now = next.bytes.len;
            uint64_t off = (uint64_t)rand_r(&w->seed) % (now + 1);
            size_t n = 1 + (size_t)rand_r(&w->seed) % 4096;
            if (off + n > now) zd_buf_reserve(&next.bytes, off + n - now);
            fill(next.bytes.data + off, n, tag + (uint32_t)p, off);
            if (off + n > now) next.bytes.len = off + n;
            zd_buf_appendf(&body, "--%s\r\nContent-Range: bytes %llu-%llu/*\r\n\r\n", boundary,
                           (unsigned long long)off, (unsigned long long)(off + n - 1));
            zd_buf_append(&body, next.bytes.data + off, n);
            zd_buf_append_str(&body, "\r\n");
        }
        zd_buf_appendf(&body, "--%s--\r\n", boundary);
        snprintf(headers, sizeof headers, "Content-Type: multipart/byteranges; boundary=%s\r\n",
                 boundary);
    } else { /* K_DELETE */
        next.exists = false;
        zd_buf_reset(&next.bytes);
    }
    version *v = key_push(h); /* may move the array: cur is stale from here */
    *v = next;
    v->t_send = storm_now();
    int status;
    if (kind == K_PUT)
        status = rand_r(&w->seed) % 4 == 0
                     ? put_chunked(c, target, v->bytes.data, v->bytes.len)
                     : zt_conn_status(c, "PUT", target, NULL, v->bytes.data, v->bytes.len);
    else if (kind == K_DELETE)
        status = zt_conn_status(c, "DELETE", target, NULL, NULL, 0);
    else
        status = zt_conn_status(c, "PATCH", target, headers, body.data, body.len);
    if (status == *want) v->t_ack = storm_now();
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

/* One shard write: pushes the versions of its chunks. */
static int shard_write(writer *w, zt_conn *c, int kind)
{
    storm *st = w->st;
    int s = w->id % SHARDS, npos = 1;
    char key[64], q[64];
    shard_key(s, key, sizeof key);
    uint64_t pos[3] = {pick_pos(w)}, xy[2];
    if (kind == K_BATCH) {
        pos[1] = pick_pos(w);
        pos[2] = pick_pos(w);
        if (pos[1] != pos[0] && pos[2] != pos[0] && pos[2] != pos[1]) npos = 3;
    }
    cversion *v[3];
    for (int i = 0; i < npos; i++)
        v[i] = chunk_push(&st->chunks[s][pos[i]], kind == K_UNCHUNK ? 0 : w->round);
    zd_buf payload = {0}, batch = {0};
    int status;
    if (kind == K_BATCH) {
        zd_batch_begin(&batch, 2);
        for (int i = 0; i < npos; i++) {
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
    if (status == 204)
        for (int i = 0; i < npos; i++)
            v[i]->t_ack = storm_now();
    zd_buf_free(&payload);
    zd_buf_free(&batch);
    return status;
}

static void *writer_run(void *arg)
{
    writer *w = arg;
    storm *st = w->st;
    zt_conn c;
    if (zt_conn_open_server(&c, st->srv) != 0) return NULL;
    while (!atomic_load(&st->stop)) {
        w->round++;
        int kind = rand_r(&w->seed) % K_KINDS;
        int ki = rand_r(&w->seed) % KEYS;
        key_hist *h = &w->keys[ki];
        if ((kind == K_PATCH || kind == K_MPATCH) && !h->v[h->n - 1].exists) kind = K_PUT;
        int want = 204;
        int status =
            kind <= K_DELETE ? plain_write(w, &c, ki, kind, &want) : shard_write(w, &c, kind);
        if (status < 0) break; /* the server died: the request stays in flight */
        if (status != want) {
            snprintf(w->failure, sizeof w->failure, "%s of writer %d: status %d, expected %d",
                     storm_kind_names[kind], w->id, status, want);
            break;
        }
        w->acked[kind]++;
        atomic_fetch_add(&st->acked_now, 1);
    }
    zt_conn_close(&c);
    return NULL;
}

void storm_start(storm *st, const zt_server *s)
{
    st->srv = s;
    atomic_store(&st->acked_now, 0);
    atomic_store(&st->stop, 0);
    for (int i = 0; i < st->o.writers; i++)
        pthread_create(&st->w[i].thread, NULL, writer_run, &st->w[i]);
}

void storm_stop(storm *st)
{
    atomic_store(&st->stop, 1);
    for (int i = 0; i < st->o.writers; i++)
        pthread_join(st->w[i].thread, NULL);
}

long storm_acked(const storm *st)
{
    return atomic_load(&st->acked_now);
}

void storm_counts(const storm *st, long out[K_KINDS])
{
    for (int k = 0; k < K_KINDS; k++) {
        out[k] = 0;
        for (int i = 0; i < st->o.writers; i++)
            out[k] += st->w[i].acked[k];
    }
}

const char *storm_take_failure(storm *st)
{
    for (int i = 0; i < st->o.writers; i++)
        if (st->w[i].failure[0]) {
            memcpy(st->failure, st->w[i].failure, sizeof st->failure);
            st->w[i].failure[0] = '\0';
            return st->failure;
        }
    return NULL;
}

/* ---- checks ---- */

static void violation(storm_tally *t, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void violation(storm_tally *t, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("VIOLATION (%s): ", label);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    t->violations++;
}

/* The index of the last version acknowledged by t (the base counts, acknowledged at 0) in a
 * history of n versions of `stride` bytes: a key's or a chunk's, both stamped alike. */
_Static_assert(offsetof(version, t_ack) == offsetof(cversion, t_ack), "stamps differ");
static size_t last_acked(const void *v, size_t n, size_t stride, sv_rule rule, uint64_t t)
{
    size_t a = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t t_ack;
        memcpy(&t_ack, (const char *)v + i * stride + offsetof(version, t_ack), sizeof t_ack);
        if ((t_ack || i == 0) && (rule == SV_LIVE || t_ack <= t)) a = i;
    }
    return a;
}

/* Whether version i may be what is stored: the rule's window of the history. */
static bool allowed(sv_rule rule, uint64_t t, size_t acked, size_t i, uint64_t t_send)
{
    if (rule == SV_ANY) return i == 0 || t_send <= t;
    if (i < acked) return false;
    return i == acked || rule == SV_LIVE || t_send <= t;
}

static bool same_value(const version *v, int status, const zt_response *r)
{
    if (!v->exists) return status == 404;
    return status == 200 && r->body.len == v->bytes.len &&
           (!v->bytes.len || memcmp(r->body.data, v->bytes.data, v->bytes.len) == 0);
}

static void check_plain(storm *st, zt_conn *c, sv_rule rule, uint64_t t, bool settle,
                        const char *label, storm_tally *tl)
{
    for (int wi = 0; wi < st->o.writers; wi++)
        for (int ki = 0; ki < KEYS; ki++) {
            key_hist *h = &st->w[wi].keys[ki];
            char target[64];
            snprintf(target, sizeof target, "/p/%d/%d", wi, ki);
            zt_response r = {0};
            if (zt_send_request(c, "GET", target, NULL, NULL, 0) ||
                zt_read_response(c, &r, false)) {
                violation(tl, label, "GET %s: no answer", target);
                continue;
            }
            size_t acked = last_acked(h->v, h->n, sizeof *h->v, rule, t), match = h->n;
            for (size_t i = h->n; i-- > 0 && match == h->n;)
                if (allowed(rule, t, acked, i, h->v[i].t_send) &&
                    same_value(&h->v[i], r.status, &r))
                    match = i;
            bool inflight = h->n > 0 && !h->v[h->n - 1].t_ack && h->n - 1 > acked;
            if (match == h->n) {
                violation(tl, label,
                          "%s: status %d, %zu bytes: neither the acknowledged version (%s, %zu "
                          "bytes) nor one sent after it%s",
                          target, r.status, r.body.len, h->v[acked].exists ? "a value" : "absent",
                          h->v[acked].bytes.len, rule == SV_ANY ? " (nor any earlier)" : "");
            } else if (inflight) {
                tl->applied += match == h->n - 1;
                tl->dropped += match != h->n - 1;
            }
            if (settle) {
                if (match == h->n) { /* go on from what is there */
                    version *v = key_push(h);
                    v->exists = r.status == 200;
                    zd_buf_append(&v->bytes, r.body.data, r.body.len);
                    match = h->n - 1;
                }
                key_settle(h, match);
            }
            zt_response_free(&r);
        }
}

static void check_shards(storm *st, zt_conn *c, const char *root, sv_rule rule, uint64_t t,
                         bool settle, const char *label, storm_tally *tl)
{
    zd_shard_layout l = shc_layout_16x8();
    zd_buf file = {0};
    for (int s = 0; s < SHARDS; s++) {
        char key[64];
        shard_key(s, key, sizeof key);
        for (uint64_t pos = 0; pos < CHUNKS; pos++) {
            chunk_hist *h = &st->chunks[s][pos];
            uint64_t xy[2] = {pos / 8, pos % 8};
            char q[64];
            shc_chunk_query(q, sizeof q, 2, xy);
            zt_response r = {0};
            if (shc_request(c, "GET", key, q, LAYOUT, NULL, 0, &r)) {
                violation(tl, label, "%s?%s: no answer", key, q);
                continue;
            }
            uint32_t round = 0;
            bool ok = true;
            if (r.status == 200 && !sp_check(r.body.data, r.body.len, pos, &round)) {
                violation(tl, label, "%s?%s: torn inner chunk", key, q);
                ok = false;
            } else if (r.status != 200 && r.status != 404) {
                violation(tl, label, "%s?%s: status %d", key, q, r.status);
                ok = false;
            }
            size_t acked = last_acked(h->v, h->n, sizeof *h->v, rule, t), match = h->n;
            for (size_t i = h->n; ok && i-- > 0 && match == h->n;)
                if (allowed(rule, t, acked, i, h->v[i].t_send) && h->v[i].round == round) match = i;
            bool inflight = !h->v[h->n - 1].t_ack && h->n - 1 > acked;
            if (ok && match == h->n)
                violation(tl, label, "%s?%s holds round %u; acknowledged round %u%s", key, q, round,
                          h->v[acked].round, inflight ? ", another in flight" : "");
            else if (ok && inflight && h->v[h->n - 1].round != h->v[acked].round) {
                tl->applied += match == h->n - 1;
                tl->dropped += match != h->n - 1;
            }
            if (settle) chunk_settle(h, round);
            zt_response_free(&r);
        }
        if (shc_read_file(root, key, &file) == 0) {
            zd_error err = {0};
            if (sh_check_buffer(&l, file.data, file.len, sp_check_chunk, NULL, NULL, &err))
                violation(tl, label, "shard %s fails the checker: %s", key, err.msg);
        }
    }
    zd_buf_free(&file);
}

void storm_check(storm *st, const zt_server *s, const char *root, sv_rule rule, uint64_t t_ns,
                 bool settle, const char *label, storm_tally *t)
{
    zt_conn c;
    if (zt_conn_open_server(&c, s)) {
        violation(t, label, "cannot connect to the server");
        return;
    }
    check_plain(st, &c, rule, t_ns, settle, label, t);
    check_shards(st, &c, root, rule, t_ns, settle, label, t);
    zt_conn_close(&c);
}
