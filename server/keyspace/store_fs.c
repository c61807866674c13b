/* store_fs.c: the `fs` store: one key = one regular file under --root, so the root is a plain
 * Zarr directory store any Zarr tool can read. Every file system call goes through the key
 * space (ks_root.h): keys are resolved beneath the root with no symbolic link followed
 * (ZD_EBADKEY, 400, otherwise), new files are born in its staging directory.
 *
 * Writes: PUT's body is held in memory (up to 8 MiB) or streams into a staging file, then the
 * commit writes it there, fsyncs it (--fsync always), and under the key's
 * change bracket (fs_change_begin): parents made, precondition check, mtime bump, rename over
 * the key (atomic replace); then the directories are fsynced (always), or the write waits for
 * a group commit, one syncfs shared by every write that waits meanwhile (batch, ks_group.h):
 * commits block, so the HTTP layer runs them on its I/O threads.
 * PATCH is in store_fs_patch.c. DELETE unlinks under the bracket and removes parent
 * directories left empty (never the root, nor a made collection). Collections and moves are
 * in store_fs_col.c. The `.zarrd-` segment prefix is refused in keys and
 * never listed.
 *
 * ETag: "INODE-SIZE-MTIMENS" in hex. After every write the server sets the file's mtime
 * itself, under the key's lock, to max(now, previous mtime + 1 ns), so every modification --
 * even two PATCHes within one clock tick -- yields a new ETag. */
#include "store_fs_internal.h"

#include "ks_dir.h"
#include "log.h"
#include "zd_buf.h"
#include "zd_hash.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the change bracket ---- */

int fs_change_begin_from(fs_store *s, const char *key, const void *origin)
{
    zd_error err = {0};
    int rc = kl_change_begin(s->base.keys, key, origin, &err);
    if (rc) lg_log(LG_ERROR, "%s: %s", key, err.msg);
    return rc;
}

void fs_change_end_from(fs_store *s, const char *key, const void *origin)
{
    kl_change_end(s->base.keys, key, origin);
}

int fs_change_begin(fs_store *s, const char *key)
{
    return fs_change_begin_from(s, key, NULL);
}

void fs_change_end(fs_store *s, const char *key)
{
    fs_change_end_from(s, key, NULL);
}

bool fs_in_place_ok(fs_store *s, const char *key)
{
    size_t klen = strlen(key);
    if (kl_streaming(s->base.keys, key, klen)) return false;
    if (kl_in_place_seen(s->base.keys, key, klen)) return true;
    kl_note_in_place(s->base.keys, key, klen);
    return false;
}

void st_fs_set_journal(st_store *base, const st_journal *j)
{
    if (!base->files) return; /* not the fs store */
    ((fs_store *)base)->journal = j ? *j : (st_journal){0};
}

int fs_change_begin_pair(fs_store *s, const char *a, const char *b)
{
    zd_error err = {0};
    int rc = kl_change_begin_pair(s->base.keys, a, b, NULL, &err);
    if (rc) lg_log(LG_ERROR, "%s, %s: %s", a, b, err.msg);
    return rc;
}

void fs_change_end_pair(fs_store *s, const char *a, const char *b)
{
    kl_change_end_pair(s->base.keys, a, b, NULL);
}

/* ---- ETags, mtimes, syncs ---- */

uint64_t fs_mtime_ns(const struct stat *st)
{
    return (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
}

void fs_etag(const struct stat *st, st_stat *out)
{
    out->meta_etag[0] = '\0';
    out->size = (uint64_t)st->st_size;
    out->mtime_ns = fs_mtime_ns(st);
    snprintf(out->etag, sizeof out->etag, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"",
             (uint64_t)st->st_ino, (uint64_t)st->st_size, fs_mtime_ns(st));
}

int fs_bump(int fd, const struct stat *old, struct stat *now_st)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (old && fs_mtime_ns(old) + 1 > t) t = fs_mtime_ns(old) + 1;
    int rc = ks_set_mtime(fd, t);
    if (rc == 0 && fstat(fd, now_st) != 0) rc = ZD_EIO;
    return rc;
}

int fs_sync(const fs_store *s, int fd)
{
    return s->fsync == KS_FSYNC_ALWAYS ? ks_fsync(fd, false) : 0;
}

int fs_sync_staged(const fs_store *s, int fd)
{
    if (s->fsync == KS_FSYNC_BATCH) return ks_commit_batch(s->ks);
    return fs_sync(s, fd);
}

int fs_durable(const fs_store *s, const ks_entry *dir, bool published)
{
    if (s->fsync == KS_FSYNC_BATCH) return ks_commit_batch(s->ks);
    if (s->fsync != KS_FSYNC_ALWAYS) return 0;
    int rc = dir ? ks_fsync(dir->dirfd, false) : 0;
    return rc || !published ? rc : ks_sync_staging(s->ks);
}

/* ---- stat / read ---- */

static int fs_stat(st_store *base, const char *key, st_stat *out)
{
    fs_store *s = (fs_store *)base;
    struct stat st;
    int rc = ks_stat(s->ks, key, &st);
    if (rc == 0 && !S_ISREG(st.st_mode)) rc = ZD_ENOTFOUND;
    if (rc == 0) fs_etag(&st, out);
    return rc;
}

typedef struct fs_reader {
    st_reader base;
    int fd;
    fc_entry *cached; /* the descriptor belongs to this cache entry, or NULL: to the reader */
    kl_table *keys;
    unsigned stream; /* keylock.h: registered while the reader is open */
    const fs_store *s;
    struct stat st; /* of the opened value (the metadata's ETag stamp) */
} fs_reader;

/* Small values come from the descriptor cache's copy, and a whole read of one leaves it there
 * (fdcache.h). */
static int fs_read(st_reader *r, uint64_t off, void *buf, size_t len)
{
    fs_reader *fr = (fs_reader *)r;
    const uint8_t *body = fr->cached ? fc_body(fr->cached) : NULL;
    if (body && off <= (uint64_t)fr->st.st_size && len <= (uint64_t)fr->st.st_size - off) {
        memcpy(buf, body + off, len);
        return 0;
    }
    int rc = ks_pread_all(fr->fd, buf, len, off);
    if (rc == 0 && fr->cached && off == 0 && len == (uint64_t)fr->st.st_size)
        fc_set_body(fr->cached, buf);
    return rc == ZD_ECORRUPT ? ZD_EIO : rc; /* the value never shrinks while a reader is open */
}

static int fs_reader_meta(st_reader *r, st_meta *out)
{
    fs_reader *fr = (fs_reader *)r;
    if (fr->cached && fc_no_meta(fr->cached)) {
        out->etag[0] = '\0';
        out->len = 0;
        return 0;
    }
    int rc = fs_meta_read(fr->s, fr->fd, &fr->st, out);
    if (rc == 0 && fr->cached && !out->etag[0] && out->len == 0) fc_set_no_meta(fr->cached);
    return rc;
}

int fs_precond_stat(const fs_store *s, const st_precond *pc, int fd, const struct stat *st,
                    st_stat *cur)
{
    fs_etag(st, cur);
    if (!pc->want_meta_etag) return 0;
    st_meta m;
    int rc = fs_meta_read(s, fd, st, &m);
    memcpy(cur->meta_etag, m.etag, sizeof cur->meta_etag);
    return rc;
}

static void fs_reader_close(st_reader *r)
{
    fs_reader *fr = (fs_reader *)r;
    kl_stream_end(fr->keys, fr->stream);
    if (fr->cached)
        fc_release(fr->cached);
    else
        close(fr->fd);
    free(fr);
}

/* A value is opened under the key's shared lock, so never while a shard patch of it is half
 * applied, and stays registered as a stream of the key (keylock.h) until the reader closes:
 * a shard patch meanwhile moves the shard to a new file, and this reader keeps the state it
 * opened, whatever the value's size and however long the response takes. Values of keys the
 * engine may change in place go out by copy, not sendfile (keylock.h). The descriptor and its
 * stat come from the descriptor cache when it has them (fdcache.h), and go into it otherwise. */
static int fs_open_read(st_store *base, const char *key, st_reader **out, st_stat *st_out)
{
    fs_store *s = (fs_store *)base;
    fs_reader *r = malloc(sizeof *r);
    if (!r) return ZD_ENOMEM;
    size_t klen = strlen(key);
    kl_table *keys = s->base.keys;
    struct stat st;
    int fd = -1, rc = 0;
    kl_lock_shared(keys, key, klen);
    fc_entry *cached = fc_lookup(s->cache, key, klen);
    if (cached) {
        fd = fc_fd(cached);
        st = *fc_stat(cached);
    } else if ((rc = ks_open_read(s->ks, key, &fd, &st)) == 0) {
        cached = fc_insert(s->cache, key, klen, fd, &st);
    }
    bool copy = rc == 0 && kl_in_place_seen(keys, key, klen);
    if (rc == 0) r->stream = kl_stream_begin(keys, key, klen);
    kl_unlock(keys, key, klen);
    if (rc) {
        free(r);
        return rc == ZD_EISDIR ? ZD_ENOTFOUND : rc;
    }
    fs_etag(&st, st_out);
    r->base = (st_reader){
        .read = fs_read, .meta = fs_reader_meta, .close = fs_reader_close, .fd = copy ? -1 : fd};
    r->fd = fd;
    r->cached = cached;
    r->keys = keys;
    r->s = s;
    r->st = st;
    *out = &r->base;
    return 0;
}

/* ---- PUT ---- */

/* A PUT body of up to FS_PUT_MEM bytes is held in memory and written to its staging file by
 * the commit, which runs on an I/O thread when writes block: then no file system call of the
 * PUT happens on an event loop (a pwrite that extends a file can wait for the file system's
 * journal while another request's fsync commits it). Larger bodies, or any body while the
 * store holds FS_PUT_MEM_ALL bytes of such bodies, stream into the staging file as they come. */
#define FS_PUT_MEM     (8u << 20)
#define FS_PUT_MEM_ALL (256u << 20)

typedef struct fs_writer {
    st_writer base;
    fs_store *s;
    ks_temp tmp;   /* the new value, in the staging directory (fd -1 while in memory) */
    zd_buf mem;    /* the body so far, while it is held in memory */
    uint64_t off;  /* next write position */
    st_meta *meta; /* set_meta's copy, or NULL */
    char key[];
} fs_writer;

/* Take n bytes of the store's budget for bodies held in memory. */
static bool fs_mem_take(fs_store *s, size_t n)
{
    if (atomic_fetch_add(&s->put_mem, n) + n <= FS_PUT_MEM_ALL) return true;
    atomic_fetch_sub(&s->put_mem, n);
    return false;
}

static void fs_mem_drop(fs_writer *w)
{
    atomic_fetch_sub(&w->s->put_mem, w->mem.len);
    zd_buf_free(&w->mem);
}

/* Create the staging file and copy the body held in memory there; unless `keep` (a commit,
 * which may still write it in place), the memory is given back. */
static int fs_writer_spill(fs_writer *w, bool keep)
{
    int rc = ks_temp_create(w->s->ks, &w->tmp);
    if (rc) return rc == ZD_ENOTFOUND || rc == ZD_EBADKEY ? ZD_EIO : rc;
    rc = ks_pwrite_all(w->tmp.fd, w->mem.data, w->mem.len, 0);
    if (!keep) fs_mem_drop(w);
    return rc;
}

static int fs_write(st_writer *base, const void *data, size_t len)
{
    fs_writer *w = (fs_writer *)base;
    int rc = 0;
    if (w->tmp.fd < 0) {
        if (w->mem.len + len <= FS_PUT_MEM && fs_mem_take(w->s, len)) {
            rc = zd_buf_append(&w->mem, data, len);
            if (rc) atomic_fetch_sub(&w->s->put_mem, len);
            w->off += len;
            return rc;
        }
        if ((rc = fs_writer_spill(w, false)) != 0) return rc;
    }
    rc = ks_pwrite_all(w->tmp.fd, data, len, w->off);
    w->off += len;
    return rc;
}

static void fs_writer_free(fs_writer *w)
{
    fs_mem_drop(w);
    ks_temp_discard(w->s->ks, &w->tmp); /* a published temp has no name: only closed */
    free(w->meta);
    free(w);
}

static int fs_set_meta(st_writer *base, const st_meta *m)
{
    fs_writer *w = (fs_writer *)base;
    if (!w->meta && !(w->meta = malloc(sizeof *w->meta))) return ZD_ENOMEM;
    *w->meta = *m;
    return 0;
}

static void fs_abort(st_writer *base)
{
    fs_writer_free((fs_writer *)base);
}

/* Whether pc allows changing the entry, whose value has stat old (NULL: none): the stat pc
 * sees carries the content ETag when it wants one. */
static int fs_check_precond(const fs_store *s, const ks_entry *e, const st_precond *pc,
                            struct stat *old)
{
    st_stat cur;
    int rc = 0;
    if (old && pc->want_meta_etag) {
        int fd;
        if ((rc = ks_entry_open_file(e, false, &fd, old)) == 0) {
            rc = fs_precond_stat(s, pc, fd, old, &cur);
            close(fd);
        }
    } else if (old) {
        fs_etag(old, &cur);
    }
    return rc ? rc : pc->check(pc, old ? &cur : NULL);
}

/* Under the change bracket: what is at the entry now, and whether pc allows replacing it. */
static int fs_check_current(const fs_store *s, const ks_entry *e, const st_precond *pc,
                            struct stat *old, bool *exists)
{
    int rc = ks_entry_stat(e, old);
    *exists = rc == 0;
    if (rc == ZD_ENOTFOUND)
        rc = 0;
    else if (rc == 0 && S_ISDIR(old->st_mode))
        rc = ZD_EISDIR;
    else if (rc == 0 && !S_ISREG(old->st_mode))
        rc = ZD_EBADKEY;
    if (rc == 0 && pc) rc = fs_check_precond(s, e, pc, *exists ? old : NULL);
    return rc;
}

/* Overwrite the value at e (the stat `old`) in place through the lent journal, if nothing
 * stands in the way (fs_in_place_ok, one hard link); *done says whether it did. */
static int fs_put_in_place(fs_writer *w, const ks_entry *e, const struct stat *old,
                           struct stat *nst, bool *done)
{
    fs_store *s = w->s;
    int fd;
    struct stat st;
    *done = false;
    if (!fs_in_place_ok(s, w->key) || ks_entry_open_file(e, true, &fd, &st) != 0) return 0;
    if (fs_meta_present(s, fd)) { /* a new file leaves the old value's metadata behind */
        close(fd);
        return 0;
    }
    uint64_t size = (uint64_t)st.st_size, len = w->mem.len;
    int rc = ks_reserve(fd, size, len);
    st_patch whole = {.off = 0, .data = w->mem.data, .len = w->mem.len};
    zd_error err = {0};
    if (rc == 0) rc = s->journal.write(s->journal.ctx, w->key, fd, size, &whole, 1, len, &err);
    if (rc && err.msg[0]) lg_log(LG_ERROR, "%s: %s", w->key, err.msg);
    if (rc == 0) rc = fs_bump(fd, old, nst);
    close(fd);
    *done = rc == 0;
    return rc == ZD_ECORRUPT ? ZD_EIO : rc;
}

/* Where the outcome of the last PUT into key's directory is kept (new_keys_in). */
static _Atomic uint8_t *fs_new_slot(fs_store *s, const char *key)
{
    const char *slash = strrchr(key, '/');
    return &s->new_keys_in[zd_hash_mem(key, slash ? (size_t)(slash - key) : 0) % FS_NEW_DIRS];
}

/* Make the staging file ready to publish over `old` (the value it replaces; NULL: none): the
 * body moved there if it is still in memory, the file dated after old (the ETag rule), its
 * metadata written. Done again if a guess that the key was new proves wrong. */
static int fs_put_ready(fs_writer *w, const struct stat *old, struct stat *nst)
{
    int rc = 0;
    if (w->tmp.fd < 0 && (rc = fs_writer_spill(w, true)) == 0) rc = fs_sync_staged(w->s, w->tmp.fd);
    if (rc == 0) rc = fs_bump(w->tmp.fd, old, nst);
    if (rc == 0 && w->meta) rc = fs_meta_write(w->s, w->tmp.fd, nst, w->meta);
    return rc;
}

/* A body held in memory, up to FS_INPLACE_MAX, with a journal lent: if the key holds a value
 * at the commit, it is overwritten in place (no new file, one journal append: server/API.md
 * "In-place writes"). Otherwise, and for other bodies, the staging file replaces the key.
 * When the last PUT into the key's directory made a new key, this one is guessed new too
 * (without conditions, by an unnamed file): it is linked at once, without first looking what
 * is there, a system call less per key of an array being written. If the link finds anything
 * there, it looks, and goes on as it would have (the staging file is dropped if the value is
 * overwritten in place). */
static int fs_put_commit(st_writer *base, const st_precond *pc, st_result *res)
{
    fs_writer *w = (fs_writer *)base;
    fs_store *s = w->s;
    bool may_in_place =
        w->tmp.fd < 0 && w->mem.len <= FS_INPLACE_MAX && s->journal.write && !w->meta;
    _Atomic uint8_t *new_in_dir = fs_new_slot(s, w->key);
    bool guess_new =
        !pc && ks_links_unnamed(s->ks) && atomic_load_explicit(new_in_dir, memory_order_relaxed);
    const void *origin = may_in_place ? s->journal.ctx : NULL;
    int rc = may_in_place || w->tmp.fd >= 0 ? 0 : fs_writer_spill(w, false);
    if (rc == 0 && w->tmp.fd >= 0) rc = fs_sync_staged(s, w->tmp.fd);
    if (rc == 0) rc = fs_change_begin_from(s, w->key, origin);
    if (rc) {
        fs_writer_free(w);
        return rc;
    }
    ks_entry e;
    struct stat old, nst;
    bool exists = false, in_place = false, linked = false;
    rc = ks_entry_open(s->ks, w->key, true, &e);
    if (rc == 0 && guess_new && (rc = fs_put_ready(w, NULL, &nst)) == 0 && w->tmp.unnamed) {
        rc = ks_link_new(s->ks, &e, &w->tmp);
        linked = rc == 0;
        if (rc == ZD_EEXIST) rc = 0; /* something is there: look below */
    }
    if (rc == 0 && !linked) rc = fs_check_current(s, &e, pc, &old, &exists);
    if (rc == 0 && !linked && may_in_place && exists) /* the body is still in memory */
        rc = fs_put_in_place(w, &e, &old, &nst, &in_place);
    if (rc == 0 && !linked && !in_place) rc = fs_put_ready(w, exists ? &old : NULL, &nst);
    if (rc == 0 && !linked && !in_place) rc = ks_publish(s->ks, &e, &w->tmp, exists);
    if (rc == 0) atomic_store_explicit(new_in_dir, !exists, memory_order_relaxed);
    fs_change_end_from(s, w->key, origin);
    if (origin) s->journal.done(s->journal.ctx);
    if (rc == 0) {
        res->created = !exists;
        fs_etag(&nst, &res->stat);
        if (!in_place) rc = fs_durable(s, &e, true); /* in place: the journal made it durable */
    }
    ks_entry_close(&e);
    fs_writer_free(w);
    return rc;
}

static int fs_put_begin(st_store *base, const char *key, uint64_t size_hint, st_writer **out)
{
    fs_store *s = (fs_store *)base;
    int rc = st_put_checks_early(size_hint) ? ks_check_parents(s->ks, key) : 0;
    if (rc) return rc;
    size_t klen = strlen(key);
    fs_writer *w = calloc(1, sizeof *w + klen + 1);
    if (!w) return ZD_ENOMEM;
    memcpy(w->key, key, klen + 1);
    w->s = s;
    w->tmp.fd = -1;
    w->base = (st_writer){
        .write = fs_write, .set_meta = fs_set_meta, .commit = fs_put_commit, .abort = fs_abort};
    if (size_hint && size_hint <= FS_PUT_MEM) zd_buf_reserve(&w->mem, (size_t)size_hint);
    *out = &w->base;
    return 0;
}

/* ---- delete ---- */

static int fs_remove(st_store *base, const char *key, const st_precond *pc, bool *existed)
{
    fs_store *s = (fs_store *)base;
    *existed = false;
    ks_entry e;
    int rc = ks_entry_open(s->ks, key, false, &e);
    if (rc == ZD_ENOTFOUND) return pc ? pc->check(pc, NULL) : 0;
    if (rc) return rc;
    if ((rc = fs_change_begin(s, key)) != 0) {
        ks_entry_close(&e);
        return rc;
    }
    struct stat st;
    bool exists;
    rc = fs_check_current(s, &e, NULL, &st, &exists);
    if (rc == ZD_EISDIR) rc = 0, exists = false; /* a directory is not a value */
    if (rc == 0 && pc) rc = fs_check_precond(s, &e, pc, exists ? &st : NULL);
    if (rc == 0 && exists && (rc = ks_remove(&e)) == ZD_ENOTFOUND) rc = 0;
    fs_change_end(s, key);
    if (rc == 0 && exists) {
        *existed = true;
        rc = fs_durable(s, &e, false);
    }
    ks_entry_close(&e);
    if (rc == 0 && exists) ks_prune(s->ks, key);
    return rc;
}

/* ---- list ---- */

static int fs_list_one(void *ctx, const char *rel, size_t len, const struct stat *st)
{
    st_stat info;
    fs_etag(st, &info);
    if (S_ISDIR(st->st_mode)) info = (st_stat){.mtime_ns = info.mtime_ns};
    return st_list_add(ctx, rel, len, S_ISDIR(st->st_mode), &info);
}

static int fs_list(st_store *base, const char *prefix, bool recursive, st_list *out)
{
    return ks_list(((fs_store *)base)->ks, prefix, recursive, fs_list_one, out);
}

/* ---- lifecycle ---- */

static void fs_destroy(st_store *base)
{
    fs_store *s = (fs_store *)base;
    fc_free(s->cache);
    ks_root_close(s->ks);
    kl_table_free(s->base.keys);
    free(s);
}

int st_fs_create(const char *root, const ks_opts *opts, st_store **out, zd_error *err)
{
    fs_store *s = calloc(1, sizeof *s);
    if (!s) return zd_error_set(err, ZD_ENOMEM, "no memory for the fs store");
    int rc = ks_root_open(root, opts, &s->ks, err);
    if (rc == 0 && (rc = kl_table_new(&s->base.keys)) != 0) {
        zd_error_set(err, rc, "no memory for the key locks");
        ks_root_close(s->ks);
    } else if (rc == 0 && (rc = fc_new(s->base.keys, &s->cache)) != 0) {
        zd_error_set(err, rc, "no memory for the descriptor cache");
        kl_table_free(s->base.keys);
        ks_root_close(s->ks);
    }
    if (rc) {
        free(s);
        return rc;
    }
    s->fsync = ks_fsync_mode_of(s->ks);
    s->base.kind = "fs";
    s->base.files = s->ks;
    s->base.stat = fs_stat;
    s->base.open_read = fs_open_read;
    s->base.put_begin = fs_put_begin;
    s->base.patch_begin = fs_patch_begin;
    s->base.patch_many = fs_patch_many;
    s->base.remove = fs_remove;
    s->base.list = fs_list;
    s->base.iter_open = fs_iter_open;
    s->base.keeps_meta = ks_attr_supported(s->ks);
    s->base.lookup = fs_lookup;
    s->base.mkcol = fs_mkcol;
    s->base.rmcol = fs_rmcol;
    s->base.move = fs_move;
    s->base.destroy = fs_destroy;
    *out = &s->base;
    return 0;
}
