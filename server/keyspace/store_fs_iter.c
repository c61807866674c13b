/* store_fs_iter.c: the fs store's lazy walk in byte order of whole keys (st_iter, store.h).
 *
 * The keys of a directory tree come out in S3's order when each directory's entries are
 * sorted by their name with '/' appended to directories: "a-b" < "a/" (whose keys are all
 * "a/...") < "a0", and a depth-first walk of that order is the byte order of the whole keys.
 * The walk keeps one frame per open directory (its fd, its sorted names, a cursor); a
 * directory is read only when the walk enters it, so a page of a large tree costs the
 * directories on its path plus what it shows.
 *
 * The walk starts in the directory the prefix names up to its last '/' (the prefix's rest
 * filters that directory's names). seek() keeps that base frame, drops the deeper ones and
 * descends again: in each directory a binary search finds the first entry after the bound,
 * and a directory whose name is a prefix of the bound is entered with the rest of it. A
 * "past prefix" bound also skips every entry that starts with it (a delimiter's common
 * prefix), without visiting them. */
#include "store_fs_internal.h"

#include "ks_dir.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FS_ITER_DEPTH (ZD_MAX_KEY / 2 + 2)

typedef struct fs_name {
    uint32_t off; /* into the frame's arena */
    uint16_t len;
    bool dir;
} fs_name;

typedef struct fs_frame {
    int fd;
    size_t path_len; /* this directory's key prefix is it->key[0..path_len) */
    fs_name *v;
    size_t n, idx;
    char *arena;
} fs_frame;

typedef struct fs_iter {
    st_iter base;
    fs_store *s;
    size_t plen, base_len; /* the prefix / its directory part (through the last '/') */
    int depth;             /* frames in use; 0: done (or nothing there) */
    fs_frame *frames;
    char prefix[ZD_MAX_KEY + 1];
    char key[ZD_MAX_KEY + 2];
} fs_iter;

/* Compare entry e ("name" or "name/") with bound b[0..blen). prefix_only: compare only the
 * first blen bytes (0 when e starts with b). */
static int fs_name_cmp(const fs_frame *f, const fs_name *e, const char *b, size_t blen,
                       bool prefix_only)
{
    size_t elen = e->len + (e->dir ? 1 : 0);
    size_t n = elen < blen ? elen : blen;
    const char *name = f->arena + e->off;
    size_t common = n < e->len ? n : e->len;
    int c = memcmp(name, b, common);
    if (c) return c;
    if (common < n) { /* the directory's '/' against b */
        c = (unsigned char)'/' - (unsigned char)b[common];
        if (c) return c;
    }
    if (elen == blen || (prefix_only && elen > blen)) return 0;
    return elen < blen ? -1 : 1;
}

static int fs_sort_cmp(const void *a, const void *b, void *arg)
{
    const fs_frame *f = arg;
    const fs_name *y = b;
    char tmp[NAME_MAX + 2];
    memcpy(tmp, f->arena + y->off, y->len);
    if (y->dir) tmp[y->len] = '/';
    return fs_name_cmp(f, a, tmp, y->len + (y->dir ? 1 : 0), false);
}

static void fs_frame_free(fs_frame *f)
{
    if (f->fd >= 0) close(f->fd);
    free(f->v);
    free(f->arena);
    *f = (fs_frame){.fd = -1};
}

/* The names of a directory being read into a frame. */
typedef struct fs_loader {
    fs_frame *f;
    size_t path_len, cap, arena_len, arena_cap;
    const char *filter;
    size_t flen;
} fs_loader;

static int fs_frame_add(void *ctx, const char *name, size_t nlen, bool dir)
{
    fs_loader *l = ctx;
    fs_frame *f = l->f;
    if (l->path_len + nlen + 1 > ZD_MAX_KEY || nlen < l->flen ||
        memcmp(name, l->filter, l->flen) != 0)
        return 0; /* no key of the prefix could name it */
    if (f->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        fs_name *v = realloc(f->v, cap * sizeof *v);
        if (!v) return ZD_ENOMEM;
        f->v = v;
        l->cap = cap;
    }
    if (l->arena_len + nlen > l->arena_cap) {
        size_t cap = l->arena_cap ? l->arena_cap * 2 : 4096;
        if (cap < l->arena_len + nlen) cap = l->arena_len + nlen;
        char *a = cap <= UINT32_MAX ? realloc(f->arena, cap) : NULL;
        if (!a) return ZD_ENOMEM;
        f->arena = a;
        l->arena_cap = cap;
    }
    memcpy(f->arena + l->arena_len, name, nlen);
    f->v[f->n++] = (fs_name){.off = (uint32_t)l->arena_len, .len = (uint16_t)nlen, .dir = dir};
    l->arena_len += nlen;
    return 0;
}

/* Read directory fd (owned by the frame from now on) into f: values and subdirectories whose
 * names start with filter[0..flen), sorted. */
static int fs_frame_load(fs_iter *it, fs_frame *f, int fd, size_t path_len, const char *filter,
                         size_t flen)
{
    *f = (fs_frame){.fd = fd, .path_len = path_len};
    fs_loader l = {.f = f, .path_len = path_len, .filter = filter, .flen = flen};
    int rc = ks_dir_names(it->s->ks, fd, fs_frame_add, &l);
    if (!rc && f->n > 1) qsort_r(f->v, f->n, sizeof *f->v, fs_sort_cmp, f);
    return rc;
}

/* Enter entry e of the top frame (a directory): push its frame. false if it cannot be read
 * (vanished, replaced by something else): the walk goes on without it. */
static bool fs_iter_enter(fs_iter *it, const fs_name *e)
{
    fs_frame *top = &it->frames[it->depth - 1];
    size_t plen = top->path_len;
    memcpy(it->key + plen, top->arena + e->off, e->len);
    it->key[plen + e->len] = '/';
    it->key[plen + e->len + 1] = '\0';
    it->key[plen + e->len] = '\0';
    int fd;
    int rc = ks_dir_open_at(it->s->ks, top->fd, it->key + plen, &fd);
    it->key[plen + e->len] = '/';
    if (rc) return false;
    fs_frame *f = &it->frames[it->depth];
    if (fs_frame_load(it, f, fd, plen + e->len + 1, "", 0)) {
        fs_frame_free(f);
        return false;
    }
    it->depth++;
    return true;
}

/* First index of f whose entry is after bound b (and, past_prefix, does not start with it). */
static size_t fs_frame_bound(const fs_frame *f, const char *b, size_t blen, bool past_prefix)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fs_name_cmp(f, &f->v[mid], b, blen, past_prefix) > 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Position the top frame (and the frames it opens) after bound b, relative to its path. */
static void fs_iter_descend(fs_iter *it, const char *b, size_t blen, bool past_prefix)
{
    for (;;) {
        fs_frame *f = &it->frames[it->depth - 1];
        size_t after = fs_frame_bound(f, b, blen, false);
        f->idx = past_prefix ? fs_frame_bound(f, b, blen, true) : after;
        if (after == 0) return;
        const fs_name *e = &f->v[after - 1];
        size_t elen = e->len + 1U;
        /* a directory whose "name/" starts the bound holds keys after it: enter it */
        if (!e->dir || blen < elen || fs_name_cmp(f, e, b, elen, true) != 0) return;
        if (!fs_iter_enter(it, e)) return;
        b += elen;
        blen -= elen;
    }
}

static int fs_iter_seek(st_iter *base, const char *key, size_t len, bool past_prefix)
{
    fs_iter *it = (fs_iter *)base;
    if (it->depth == 0) return 0;
    while (it->depth > 1)
        fs_frame_free(&it->frames[--it->depth]);
    size_t bl = it->base_len, n = len < bl ? len : bl;
    int c = memcmp(key, it->prefix, n);
    if (c < 0 || (c == 0 && len < bl && !past_prefix)) { /* before the base: everything */
        it->frames[0].idx = 0;
    } else if (c > 0 || (c == 0 && len <= bl && past_prefix)) { /* beyond it: nothing */
        it->frames[0].idx = it->frames[0].n;
    } else {
        fs_iter_descend(it, key + bl, len - bl, past_prefix);
    }
    return 0;
}

/* Fill out for the value name[0..nlen) of the top frame. false if it is no longer a value. */
static bool fs_iter_item(fs_iter *it, const fs_name *e, st_item *out)
{
    fs_frame *f = &it->frames[it->depth - 1];
    memcpy(it->key + f->path_len, f->arena + e->off, e->len);
    it->key[f->path_len + e->len] = '\0';
    int fd;
    struct stat st;
    if (ks_file_open_at(it->s->ks, f->fd, it->key + f->path_len, &fd, &st)) return false;
    st_meta m;
    fs_etag(&st, &out->stat);
    if (fs_meta_read(it->s, fd, &st, &m) == 0) memcpy(out->stat.meta_etag, m.etag, sizeof m.etag);
    close(fd);
    out->key = it->key;
    out->len = f->path_len + e->len;
    return true;
}

static int fs_iter_next(st_iter *base, st_item *out)
{
    fs_iter *it = (fs_iter *)base;
    while (it->depth > 0) {
        fs_frame *f = &it->frames[it->depth - 1];
        if (f->idx == f->n) {
            if (it->depth == 1) return 0; /* the base frame stays for seek() */
            fs_frame_free(&it->frames[--it->depth]);
            continue;
        }
        const fs_name *e = &f->v[f->idx++];
        if (e->dir) {
            fs_iter_enter(it, e);
            continue;
        }
        if (fs_iter_item(it, e, out)) return 1;
    }
    return 0;
}

static void fs_iter_close(st_iter *base)
{
    fs_iter *it = (fs_iter *)base;
    while (it->depth > 0)
        fs_frame_free(&it->frames[--it->depth]);
    free(it->frames);
    free(it);
}

int fs_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out)
{
    fs_store *s = (fs_store *)base;
    if (len > ZD_MAX_KEY) return ZD_EINVAL;
    fs_iter *it = calloc(1, sizeof *it);
    if (!it || !(it->frames = calloc(FS_ITER_DEPTH, sizeof *it->frames))) {
        free(it);
        return ZD_ENOMEM;
    }
    it->base = (st_iter){.next = fs_iter_next, .seek = fs_iter_seek, .close = fs_iter_close};
    it->s = s;
    memcpy(it->prefix, prefix, len);
    it->plen = len;
    const char *slash = len ? memrchr(prefix, '/', len) : NULL;
    it->base_len = slash ? (size_t)(slash - prefix) + 1 : 0;
    memcpy(it->key, prefix, it->base_len);
    it->key[it->base_len] = '\0';
    int fd;
    if (it->base_len) it->key[it->base_len - 1] = '\0'; /* the directory, without its '/' */
    int rc = ks_dir_open(s->ks, it->key, &fd);
    if (it->base_len) it->key[it->base_len - 1] = '/';
    if (rc == 0) {
        rc = fs_frame_load(it, &it->frames[0], fd, it->base_len, prefix + it->base_len,
                           len - it->base_len);
        it->depth = 1;
    } else if (rc == ZD_ENOTFOUND) {
        rc = 0; /* nothing there: an empty walk */
    }
    if (rc) {
        fs_iter_close(&it->base);
        return rc;
    }
    *out = &it->base;
    return 0;
}
