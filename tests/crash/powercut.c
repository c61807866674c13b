/* powercut.c: the power-loss test. kill -9 keeps the page cache, so it cannot tell --fsync
 * none, batch and always apart; a power cut can. For each mode:
 *   1. zarrd runs under pc_trace.so (LD_PRELOAD), which records every file system change it
 *      makes -- creations, renames, unlinks, writes with their bytes, size changes -- and every
 *      barrier (fsync, fdatasync, syncfs), in order, with inode numbers (pc_trace.h), while the
 *      write storm of the crash tests (storm.h) runs against it;
 *   2. from the record it builds states the disk may hold after a power cut at some moment (a
 *      cut: a record), as the model below allows: what a completed barrier covers is there,
 *      and of the rest some subset (none, all, random mixes);
 *   3. it starts a plain zarrd (same --fsync) on each state and checks every key and inner
 *      chunk against what the clients had been told by the moment of the cut:
 *        always, batch  every write acknowledged by then is there (it or a later version);
 *        none           every key holds some version written by then (or none), never a torn
 *                       value; every inner chunk an intact one;
 *      and, in every mode, zarrd starts and every shard passes the checker.
 *
 * The model (conservative, POSIX, like ALICE's): directory operations (create, mkdir, link, rename,
 * unlink) reach the disk in the order they were made, so a state holds a prefix of them;
 * fsync of a directory and syncfs make every directory operation made before them durable;
 * fsync/fdatasync of a file makes its earlier writes and size changes durable, syncfs every
 * file's. Writes not covered by a barrier may each be lost or kept, in any combination (a
 * write is kept whole or lost whole: sector atomicity). Nothing else is assumed (no ext4
 * data=ordered, no auto_da_alloc, no "fsync of a file commits the journal").
 *
 * Prints, per mode, the records and barriers traced, the states explored and the violations
 * (each named); exit 1 if `always` or `batch` has a violation, or `none` with --strict-none.
 * Usage: powercut [--modes none,batch,always] [--writes N] [--cuts C] [--seed S] [--strict-none]
 *        (defaults: all three modes, 160 acknowledged writes, 10 cuts, seed 1)
 * The suite runs the defaults (tests/crash/meson.build); larger --writes and --cuts explore more.
 */
#include "pc_trace.h"
#include "storm.h"
#include "zd_buf.h"
#include "zd_crc32c.h"
#include "zd_le.h"
#include "zt_tmpdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PC_TRACE_LIB
#error "PC_TRACE_LIB: the path of pc_trace.so (meson sets it)"
#endif

/* ---- the record ---- */

typedef struct op {
    pc_rec r;
    const uint8_t *data; /* r.len bytes, in the trace buffer */
    uint64_t na, nb, nc; /* the files r.a, r.b, r.c name, as node ids (below) */
} op;

typedef struct trace {
    zd_buf raw;
    op *ops;
    size_t n;
} trace;

static int trace_load(const char *path, trace *t)
{
    memset(t, 0, sizeof *t);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    uint8_t buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
        zd_buf_append(&t->raw, buf, (size_t)n);
    close(fd);
    size_t cap = 0;
    for (size_t off = 0; off + sizeof(pc_rec) <= t->raw.len;) {
        op o;
        memcpy(&o.r, t->raw.data + off, sizeof o.r);
        if (o.r.magic != PC_MAGIC || t->raw.len - off - sizeof o.r < o.r.len) break;
        o.data = t->raw.data + off + sizeof o.r;
        off += sizeof o.r + o.r.len;
        if (t->n == cap) {
            cap = cap ? cap * 2 : 1024;
            t->ops = realloc(t->ops, cap * sizeof *t->ops);
        }
        t->ops[t->n++] = o;
    }
    return 0;
}

/* Inode numbers are reused as soon as a file is gone (a temp file renamed over a shard frees the
 * shard's inode, which the next mkdir may take), so the model names files by node id: a new id
 * for every creation, and for an inode met first by something else (the root, an anonymous
 * spool file); every other mention of an inode means its current node. */
typedef struct idmap {
    uint64_t *ino, *id;
    size_t cap, n;
    uint64_t next;
} idmap;

static uint64_t *idmap_slot(idmap *m, uint64_t ino)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        uint64_t *ino2 = calloc(cap, sizeof *ino2), *id2 = calloc(cap, sizeof *id2);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->id[i]) continue;
            size_t j = (size_t)(m->ino[i] * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
            while (id2[j])
                j = (j + 1) & (cap - 1);
            ino2[j] = m->ino[i];
            id2[j] = m->id[i];
        }
        free(m->ino);
        free(m->id);
        m->ino = ino2;
        m->id = id2;
        m->cap = cap;
    }
    size_t j = (size_t)(ino * 0x9E3779B97F4A7C15ull >> 17) & (m->cap - 1);
    while (m->id[j] && m->ino[j] != ino)
        j = (j + 1) & (m->cap - 1);
    if (!m->id[j]) {
        m->ino[j] = ino;
        m->n++;
    }
    return &m->id[j];
}

/* The current node of ino (a new one if never met, or with fresh: a creation). */
static uint64_t node_of(idmap *m, uint64_t ino, bool fresh)
{
    uint64_t *id = idmap_slot(m, ino);
    if (fresh || !*id) *id = ++m->next;
    return *id;
}

static void assign_nodes(trace *t, uint64_t root_ino, uint64_t *root_node)
{
    idmap m = {0};
    *root_node = node_of(&m, root_ino, false);
    for (size_t i = 0; i < t->n; i++) {
        op *o = &t->ops[i];
        const pc_rec *r = &o->r;
        switch (r->type) {
        case PC_CREATE:
        case PC_MKDIR:
        case PC_TMPFILE:
            o->na = node_of(&m, r->a, false);
            o->nb = node_of(&m, r->b, true);
            break;
        case PC_RENAME:
            o->na = node_of(&m, r->a, false);
            o->nb = node_of(&m, r->b, false);
            o->nc = node_of(&m, r->c, false);
            break;
        case PC_UNLINK:
        case PC_LINK:
            o->na = node_of(&m, r->a, false);
            o->nb = node_of(&m, r->b, false);
            break;
        case PC_WRITE:
        case PC_TRUNC:
        case PC_FSYNC:
            o->na = node_of(&m, r->a, false);
            break;
        default:
            break;
        }
    }
    free(m.ino);
    free(m.id);
}

static bool is_meta(const op *o)
{
    return o->r.type == PC_CREATE || o->r.type == PC_MKDIR || o->r.type == PC_RENAME ||
           o->r.type == PC_UNLINK || o->r.type == PC_TMPFILE || o->r.type == PC_LINK;
}

static bool is_data(const op *o)
{
    return o->r.type == PC_WRITE || o->r.type == PC_TRUNC;
}

/* ---- the model file system: inodes by number ---- */

typedef struct dent {
    char name[256];
    uint64_t ino;
} dent;

typedef struct node {
    uint64_t ino;      /* the node id (assign_nodes) */
    uint64_t real_ino; /* the inode number it had in the traced run */
    bool dir;
    uint64_t synced_upto;        /* build_state: the file's writes up to this seq are durable */
    uint64_t new_ino, new_birth; /* materialize: the file that now holds it (new_ino 0: none) */
    zd_buf data;                 /* a file's bytes */
    dent *ents;                  /* a directory's entries */
    size_t nents, cap;
} node;

typedef struct fsm {
    node *v;
    size_t n, cap;
    size_t *slot; /* open addressing: index + 1, 0 empty */
    size_t nslots;
} fsm;

static size_t fsm_hash(uint64_t ino, size_t nslots)
{
    return (size_t)(ino * 0x9E3779B97F4A7C15ull >> 20) & (nslots - 1);
}

static node *fsm_find(fsm *m, uint64_t ino)
{
    if (!m->nslots) return NULL;
    for (size_t i = fsm_hash(ino, m->nslots); m->slot[i]; i = (i + 1) & (m->nslots - 1))
        if (m->v[m->slot[i] - 1].ino == ino) return &m->v[m->slot[i] - 1];
    return NULL;
}

static node *fsm_get(fsm *m, uint64_t ino, bool dir)
{
    node *nd = fsm_find(m, ino);
    if (nd) return nd;
    if ((m->n + 1) * 2 > m->nslots) {
        size_t ns = m->nslots ? m->nslots * 2 : 1024;
        free(m->slot);
        m->slot = calloc(ns, sizeof *m->slot);
        m->nslots = ns;
        for (size_t k = 0; k < m->n; k++) {
            size_t i = fsm_hash(m->v[k].ino, ns);
            while (m->slot[i])
                i = (i + 1) & (ns - 1);
            m->slot[i] = k + 1;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    nd = &m->v[m->n++];
    memset(nd, 0, sizeof *nd);
    nd->ino = ino;
    nd->dir = dir;
    size_t i = fsm_hash(ino, m->nslots);
    while (m->slot[i])
        i = (i + 1) & (m->nslots - 1);
    m->slot[i] = m->n;
    return nd;
}

static void fsm_free(fsm *m)
{
    for (size_t k = 0; k < m->n; k++) {
        zd_buf_free(&m->v[k].data);
        free(m->v[k].ents);
    }
    free(m->v);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void dir_set(node *d, const char *name, uint64_t ino)
{
    for (size_t i = 0; i < d->nents; i++)
        if (!strcmp(d->ents[i].name, name)) {
            d->ents[i].ino = ino;
            return;
        }
    if (d->nents == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->ents = realloc(d->ents, d->cap * sizeof *d->ents);
    }
    snprintf(d->ents[d->nents].name, sizeof d->ents[d->nents].name, "%s", name);
    d->ents[d->nents++].ino = ino;
}

static void dir_del(node *d, const char *name)
{
    for (size_t i = 0; i < d->nents; i++)
        if (!strcmp(d->ents[i].name, name)) {
            d->ents[i] = d->ents[--d->nents];
            return;
        }
}

static void apply(fsm *m, const op *o)
{
    const pc_rec *r = &o->r;
    char name[256] = "";
    if (r->type != PC_WRITE && r->len && r->len < sizeof name) memcpy(name, o->data, r->len);
    switch (r->type) {
    case PC_CREATE:
    case PC_MKDIR:
        fsm_get(m, o->nb, r->type == PC_MKDIR)->real_ino = r->b;
        dir_set(fsm_get(m, o->na, true), name, o->nb);
        break;
    case PC_RENAME: { /* old name NUL new name NUL */
        const char *old = (const char *)o->data, *new = old + strlen(old) + 1;
        dir_del(fsm_get(m, o->na, true), old);
        dir_set(fsm_get(m, o->nb, true), new, o->nc);
        break;
    }
    case PC_UNLINK:
        dir_del(fsm_get(m, o->na, true), name);
        break;
    case PC_TMPFILE: /* a file with no name: materialized only once linked */
        fsm_get(m, o->nb, false)->real_ino = r->b;
        break;
    case PC_LINK:
        dir_set(fsm_get(m, o->na, true), name, o->nb);
        break;
    case PC_WRITE: {
        node *f = fsm_get(m, o->na, false);
        f->real_ino = r->a;
        uint64_t end = r->b + r->len;
        if (end > f->data.len) {
            zd_buf_reserve(&f->data, (size_t)(end - f->data.len));
            memset(f->data.data + f->data.len, 0, (size_t)(end - f->data.len));
            f->data.len = (size_t)end;
        }
        memcpy(f->data.data + r->b, o->data, r->len);
        break;
    }
    case PC_TRUNC: {
        node *f = fsm_get(m, o->na, false);
        f->real_ino = r->a;
        if (r->b > f->data.len) {
            zd_buf_reserve(&f->data, (size_t)(r->b - f->data.len));
            memset(f->data.data + f->data.len, 0, (size_t)(r->b - f->data.len));
        }
        f->data.len = (size_t)r->b;
        break;
    }
    default:
        break;
    }
}

/* A file's identity as the shard journal names it: inode number and birth time (ns). */
static int identity(int fd, uint64_t *ino, uint64_t *birth)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_BTIME, &stx) != 0) return -1;
    *ino = stx.stx_ino;
    *birth = (stx.stx_mask & STATX_BTIME)
                 ? (uint64_t)stx.stx_btime.tv_sec * 1000000000u + stx.stx_btime.tv_nsec
                 : 0;
    return 0;
}

/* Write the tree below directory node d into path (which exists). */
static int materialize(fsm *m, const node *d, const char *path, int depth)
{
    if (depth > 64) return -1;
    for (size_t i = 0; i < d->nents; i++) {
        const node *c = fsm_find(m, d->ents[i].ino);
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, d->ents[i].name);
        if (!c || (c->dir && (mkdir(p, 0755) || materialize(m, c, p, depth + 1)))) {
            if (c) return -1;
            continue;
        }
        if (c->dir) continue;
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return -1;
        ssize_t w = c->data.len ? write(fd, c->data.data, c->data.len) : 0;
        node *cn = fsm_find(m, c->ino);
        int id = identity(fd, &cn->new_ino, &cn->new_birth);
        close(fd);
        if (w != (ssize_t)c->data.len || id) return -1;
    }
    return 0;
}

/* A copy cannot keep inode numbers, but the shard journal names the file a record is for by
 * inode and birth time (server/SHARDS.md, "Crash safety") and replays it only onto that very
 * file. So the journal of a materialized state is rewritten to name the files that now hold
 * those inodes' bytes: each record's identity is mapped, its crc32c recomputed; records of
 * files the state does not hold keep theirs (the replay skips them, as it would on the real
 * disk). The rewrite stops at the first invalid record (a torn tail stays torn). */
static void remap_journal(const fsm *m, const char *state)
{
    for (int lane = 0; lane < 4; lane++) {
        char p[700];
        snprintf(p, sizeof p, "%s/.zarrd-shards/shard.wal.%d", state, lane);
        int fd = open(p, O_RDWR);
        if (fd < 0) continue;
        zd_buf log = {0};
        uint8_t buf[65536];
        for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
            zd_buf_append(&log, buf, (size_t)n);
        for (size_t off = 0; log.len - off >= 12 && zd_le_get(log.data + off, 4) == 0x4C57445Au;) {
            uint64_t blen = zd_le_get(log.data + off + 4, 8);
            if (blen < 19 || blen > log.len - off - 12 || log.len - off - 12 - blen < 4) break;
            uint8_t *body = log.data + off + 12;
            uint64_t klen = zd_le_get(body + 1, 2);
            if (3 + klen + 16 > blen) break;
            if (zd_le_get(body + blen, 4) != zd_crc32c(0, body, blen)) break;
            node *f = NULL; /* the materialized file that had the record's inode */
            for (size_t k = 0; k < m->n && !f; k++)
                if (m->v[k].new_ino && m->v[k].real_ino == zd_le_get(body + 3 + klen, 8))
                    f = &m->v[k];
            if (f) {
                zd_le_put(body + 3 + klen, f->new_ino, 8);
                zd_le_put(body + 3 + klen + 8, f->new_birth, 8);
                zd_le_put(body + blen, zd_crc32c(0, body, blen), 4);
            }
            off += 12 + blen + 4;
        }
        if (pwrite(fd, log.data, log.len, 0) != (ssize_t)log.len) perror(p);
        close(fd);
        zd_buf_free(&log);
    }
}

/* ---- crash states ---- */

typedef enum { P_NONE, P_ALL, P_MIX } persist;
static const char *const persist_names[] = {"nothing unsynced kept", "everything kept",
                                            "a random part kept"};

/* The state after a power cut just after record cut (index), keeping unsynced changes as p says
 * (P_MIX: seeded by `seed`), into m (rooted at node root). */
static void build_state(const trace *t, size_t cut, persist p, unsigned seed, uint64_t root, fsm *m)
{
    /* what the completed barriers cover */
    uint64_t meta_upto = 0, all_upto = 0;
    fsm synced = {0}; /* per inode: its writes durable up to synced_upto */
    for (size_t i = 0; i <= cut; i++) {
        const pc_rec *r = &t->ops[i].r;
        if (r->type == PC_SYNCFS) {
            meta_upto = r->b > meta_upto ? r->b : meta_upto;
            all_upto = r->b > all_upto ? r->b : all_upto;
        } else if (r->type == PC_FSYNC && r->c) { /* a directory */
            meta_upto = r->b > meta_upto ? r->b : meta_upto;
        } else if (r->type == PC_FSYNC) {
            node *s = fsm_get(&synced, t->ops[i].na, false);
            if (r->b > s->synced_upto) s->synced_upto = r->b;
        }
    }
    /* of the directory operations after meta_upto: a prefix */
    size_t nmeta = 0, keep_meta;
    for (size_t i = 0; i <= cut; i++)
        nmeta += is_meta(&t->ops[i]) && t->ops[i].r.seq > meta_upto;
    keep_meta = p == P_ALL ? nmeta : p == P_NONE ? 0 : (size_t)rand_r(&seed) % (nmeta + 1);
    fsm_get(m, root, true);
    size_t meta_seen = 0;
    for (size_t i = 0; i <= cut; i++) {
        const op *o = &t->ops[i];
        bool keep = true;
        if (is_meta(o) && o->r.seq > meta_upto) keep = meta_seen++ < keep_meta;
        if (is_data(o) && o->r.seq > all_upto) {
            node *s = fsm_find(&synced, o->na);
            if (!s || o->r.seq > s->synced_upto)
                keep = p == P_ALL || (p == P_MIX && rand_r(&seed) % 2);
        }
        if (keep && (is_meta(o) || is_data(o))) apply(m, o);
    }
    fsm_free(&synced);
}

/* ---- one mode ---- */

typedef struct mode_result {
    size_t records, barriers, states;
    long violations, acked;
} mode_result;

static int start(zt_server *s, const char *root, const char *mode)
{
    const char *args[] = {"--root", root, "--fsync", mode, "--threads", "2", NULL};
    zt_server_opts opts = {.store = "fs", .extra_args = args, .root = root};
    return zt_server_start(s, &opts);
}

static int run_mode(const char *mode, long writes, size_t cuts, unsigned seed, mode_result *res)
{
    memset(res, 0, sizeof *res);
    char dir[400], root[512], tpath[512], spath[512];
    if (zt_tmpdir_create(dir, sizeof dir)) return -1;
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(tpath, sizeof tpath, "%s/trace", dir);
    snprintf(spath, sizeof spath, "%s/state", dir);
    mkdir(root, 0755);
    struct stat rst;
    if (stat(root, &rst)) return -1;

    /* 1. the traced life */
    setenv("PC_TRACE", tpath, 1);
    setenv("LD_PRELOAD", PC_TRACE_LIB, 1);
    zt_server srv;
    int rc = start(&srv, root, mode);
    unsetenv("LD_PRELOAD");
    unsetenv("PC_TRACE");
    if (rc) return -1;
    storm *st = storm_new(&(storm_opts){.writers = 4, .seed = seed, .big_size = 1536 * 1024});
    storm_start(st, &srv);
    while (storm_acked(st) < writes && !storm_take_failure(st))
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    storm_stop(st);
    res->acked = storm_acked(st);
    zt_server_signal(&srv, SIGKILL);
    zt_server_wait(&srv, 10000, NULL);
    zt_server_stop(&srv, NULL);

    /* 2. the states */
    trace t;
    if (trace_load(tpath, &t) || t.n == 0) {
        printf("powercut %s: no trace recorded (is %s loadable?)\n", mode, PC_TRACE_LIB);
        storm_free(st);
        return -1;
    }
    res->records = t.n;
    uint64_t root_node;
    assign_nodes(&t, (uint64_t)rst.st_ino, &root_node);
    size_t *barrier = malloc(t.n * sizeof *barrier), nb = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.ops[i].r.type == PC_FSYNC || t.ops[i].r.type == PC_SYNCFS) barrier[nb++] = i;
    res->barriers = nb;
    unsigned rs = seed;
    for (size_t c = 0; c < cuts; c++) {
        /* the end; then in turn: just after a barrier completed, just before one, anywhere */
        size_t cut = (size_t)rand_r(&rs) % t.n, b = nb ? barrier[rand_r(&rs) % nb] : 0;
        if (c == 0)
            cut = t.n - 1;
        else if (c % 3 == 1 && nb)
            cut = b;
        else if (c % 3 == 2 && b > 0)
            cut = b - 1;
        for (int pi = 0; pi < 3; pi++) {
            persist p = (persist)pi;
            fsm m = {0};
            build_state(&t, cut, p, rs ^ (unsigned)cut, root_node, &m);
            zt_tmpdir_remove(spath);
            mkdir(spath, 0755);
            if (materialize(&m, fsm_find(&m, root_node), spath, 0)) {
                printf("powercut %s: cannot write a state\n", mode);
                fsm_free(&m);
                continue;
            }
            remap_journal(&m, spath);
            fsm_free(&m);
            res->states++;
            char label[160];
            snprintf(label, sizeof label, "--fsync %s, cut at record %zu of %zu, %s", mode, cut + 1,
                     t.n, persist_names[p]);
            if (start(&srv, spath, mode)) {
                printf("VIOLATION (%s): zarrd does not start on the state\n", label);
                res->violations++;
                continue;
            }
            storm_tally tl = {0};
            sv_rule rule = !strcmp(mode, "none") ? SV_ANY : SV_DURABLE;
            storm_check(st, &srv, spath, rule, t.ops[cut].r.t_ns, false, label, &tl);
            if (zt_server_stop(&srv, NULL)) {
                printf("VIOLATION (%s): zarrd did not stop cleanly\n", label);
                tl.violations++;
            }
            res->violations += tl.violations;
            if (tl.violations && getenv("PC_KEEP")) { /* debugging: look at this state */
                printf("powercut: state kept in %s (trace %s)\n", spath, tpath);
                exit(1);
            }
        }
    }
    free(barrier);
    free(t.ops);
    zd_buf_free(&t.raw);
    storm_free(st);
    zt_tmpdir_remove(dir);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: powercut [--modes none,batch,always] [--writes N] [--cuts C] "
                    "[--seed S] [--strict-none]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *modes = "none,batch,always";
    long writes = 160;
    size_t cuts = 10;
    unsigned seed = 1;
    bool strict_none = false;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--modes"))
            modes = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--writes"))
            writes = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--cuts"))
            cuts = (size_t)atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
            seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--strict-none"))
            strict_none = true;
        else
            return usage();
    }
    if (writes < 1 || cuts < 1) return usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fail = 0;
    char list[64];
    snprintf(list, sizeof list, "%s", modes);
    for (char *save, *mode = strtok_r(list, ",", &save); mode; mode = strtok_r(NULL, ",", &save)) {
        if (strcmp(mode, "none") && strcmp(mode, "batch") && strcmp(mode, "always")) return usage();
        mode_result r;
        if (run_mode(mode, writes, cuts, seed, &r)) {
            printf("powercut --fsync %s: could not run\n", mode);
            fail = 1;
            continue;
        }
        printf("powercut --fsync %s: %ld acknowledged writes traced as %zu records (%zu "
               "barriers); %zu power-cut states explored; %ld violations\n",
               mode, r.acked, r.records, r.barriers, r.states, r.violations);
        if (r.violations && (strcmp(mode, "none") || strict_none)) fail = 1;
    }
    return fail;
}
