/* shard_engine.c: the shard engine (see shard_engine.h): the server's per-key lock
 * (keylock.h), the shard cache, the journal, placement plans and compaction put together.
 *
 * A change runs: lock the key exclusively -> enter the journal (a checkpoint waits) -> load
 * or find the shard -> plan (memory only) -> journal the planned writes -> apply them to the
 * file -> compact if due -> leave -> unlock. A failure before the journal record changes
 * nothing on disk; the cached state is then dropped and reloaded next time. */
#include "shard_engine.h"

#include "shard_cache.h"
#include "shard_compact.h"
#include "shard_io.h"
#include "shard_stats.h"
#include "zd_key.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sh_engine {
    ks_root *ks;
    kl_table *keys;
    sh_engine_opts opts;
    sh_wal *wal;
    sh_cache *cache;
};

static int plain_write_begins(void *ctx, const char *key, zd_error *err);
static void plain_write_ends(void *ctx, const char *key);

int sh_engine_open(sh_engine **out, ks_root *ks, kl_table *keys, const sh_engine_opts *opts,
                   zd_error *err)
{
    sh_engine *e = calloc(1, sizeof *e);
    if (!e) return zd_error_set(err, ZD_ENOMEM, "no memory for the shard engine");
    e->ks = ks;
    e->keys = keys;
    if (opts) e->opts = *opts;
    if (!e->opts.max_open_shards) e->opts.max_open_shards = 256;
    if (!e->opts.max_cached_index_bytes) e->opts.max_cached_index_bytes = (uint64_t)1 << 30;
    if (!e->opts.compact_percent) e->opts.compact_percent = 50;
    if (!e->opts.compact_min_dead) e->opts.compact_min_dead = 1u << 20;
    if (!e->opts.wal_checkpoint_bytes) e->opts.wal_checkpoint_bytes = 64u << 20;
    int rc = sh_wal_open(&e->wal, ks, e->opts.fsync, e->opts.wal_checkpoint_bytes, err);
    if (rc == 0 && (rc = sh_cache_new(&e->cache, ks, e->opts.max_open_shards,
                                      e->opts.max_cached_index_bytes)) != 0)
        zd_error_set(err, rc, "no memory for the shard cache");
    kl_watcher w = {.before = plain_write_begins, .after = plain_write_ends, .ctx = e};
    if (rc == 0 && (rc = kl_watch(keys, &w)) != 0)
        zd_error_set(err, rc, "too many watchers of the key locks");
    if (rc) {
        sh_engine_close(e);
        return rc;
    }
    *out = e;
    return 0;
}

int sh_engine_write_plain(sh_engine *e, const char *key, int fd, uint64_t size, const st_patch *p,
                          size_t n, uint64_t new_size, zd_error *err)
{
    sh_write one, *w = n == 1 ? &one : calloc(n ? n : 1, sizeof *w);
    if (!w) return zd_error_set(err, ZD_ENOMEM, "no memory for a journal record");
    for (size_t i = 0; i < n; i++)
        w[i] = (sh_write){.offset = p[i].off, .data = p[i].data, .len = p[i].len};
    ks_id id;
    int rc = ks_id_of_fd(fd, &id);
    if (rc) {
        zd_error_set(err, rc, "cannot identify %s: %s", key, strerror(errno));
    } else {
        sh_wal_enter(e->wal);
        rc = sh_wal_log_write(e->wal, key, &id, new_size, w, n, err);
        if (rc == 0) rc = sh_io_apply(fd, w, n, size, new_size, err);
        sh_wal_leave(e->wal);
    }
    sh_cache_drop(e->cache, key);
    if (w != &one) free(w);
    return rc;
}

void sh_engine_plain_done(sh_engine *e)
{
    zd_error ignored;
    sh_wal_checkpoint_if_due(e->wal, &ignored);
}

uint64_t sh_engine_trim(sh_engine *e, uint64_t want)
{
    return sh_cache_trim(e->cache, want);
}

void sh_engine_close(sh_engine *e)
{
    if (!e) return;
    kl_unwatch(e->keys, e);
    sh_cache_free(e->cache);
    if (e->wal) sh_wal_close(e->wal);
    free(e);
}

static int check_key(const char *key, zd_error *err)
{
    size_t len = strlen(key);
    if (len == 0 || len > ZD_MAX_KEY)
        return zd_error_set(err, ZD_EINVAL, "shard key must have 1..%d bytes", ZD_MAX_KEY);
    size_t plen = strlen(KS_PRIVATE_PREFIX);
    for (const char *seg = key; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (strncmp(seg, KS_PRIVATE_PREFIX, plen) == 0)
            return zd_error_set(err, ZD_EINVAL, "key segments starting with %s are reserved",
                                KS_PRIVATE_PREFIX);
    return zd_key_validate(key, len, err);
}

int sh_read_count(uint64_t *total, uint64_t nbytes, zd_error *err)
{
    if (*total > 0 && (*total > SH_READ_MAX || nbytes > SH_READ_MAX - *total))
        return zd_error_set(err, ZD_EOVERFLOW,
                            "the inner chunks asked for hold more than %llu bytes; ask for fewer "
                            "at a time",
                            (unsigned long long)SH_READ_MAX);
    *total += nbytes;
    return 0;
}

int sh_read_into(zd_shard_entry *at, size_t n, sh_copy_fn copy, void *ctx, zd_buf *out,
                 zd_error *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) { /* the whole answer is bounded before any of it is read */
        if (at[i].offset == ZD_SHARD_EMPTY) continue;
        int rc = sh_read_count(&total, at[i].nbytes, err);
        if (rc) return rc;
    }
    if (total > SIZE_MAX || (out && zd_buf_reserve(out, (size_t)total)))
        return zd_error_set(err, ZD_ENOMEM, "no memory for %llu bytes of inner chunks",
                            (unsigned long long)total);
    size_t end = out ? out->len : 0;
    for (size_t i = 0; i < n; i++) {
        if (at[i].offset == ZD_SHARD_EMPTY) continue;
        int rc = out ? copy(ctx, i, &at[i], out->data + end, err) : 0;
        if (rc) return rc;
        at[i].offset = end;
        end += (size_t)at[i].nbytes;
    }
    if (out) out->len = end;
    return 0;
}

/* An acquired shard's inner chunks at positions pos[], for sh_read_into. */
typedef struct file_chunks {
    const sh_file *f;
    sh_bytes *kept;
    const uint64_t *pos;
} file_chunks;

/* Chunk i: from the kept bytes, or read from the file and kept for the next reader. */
static int copy_chunk(void *ctx, size_t i, const zd_shard_entry *stored, uint8_t *dst,
                      zd_error *err)
{
    file_chunks *fc = ctx;
    size_t len = (size_t)stored->nbytes;
    const uint8_t *bytes = sh_bytes_get(fc->kept, fc->pos[i], stored->nbytes);
    if (bytes) {
        memcpy(dst, bytes, len);
        sh_stat_add(SH_STAT_READS_KEPT, 1);
        return 0;
    }
    int rc = sh_io_pread_all(fc->f->fd, dst, len, stored->offset, err);
    if (rc) return rc;
    sh_bytes_keep(fc->kept, fc->pos[i], dst, len);
    sh_stat_add(SH_STAT_READS_FILE, 1);
    return 0;
}

int sh_engine_read(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *pos,
                   size_t n, zd_buf *out, zd_shard_entry *at, zd_error *err)
{
    int rc = check_key(key, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (pos[i] >= l->nchunks)
            return zd_error_set(err, ZD_ERANGE, "inner chunk %llu lies outside the shard",
                                (unsigned long long)pos[i]);
    size_t klen = strlen(key);
    kl_lock_shared(e->keys, key, klen);
    sh_cache_entry *ce;
    sh_file *f;
    rc = sh_cache_acquire(e->cache, key, l, SH_FOR_READ, &ce, &f, err);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            at[i] = f->entries[pos[i]];
        file_chunks fc = {f, sh_cache_bytes(ce), pos};
        rc = sh_read_into(at, n, copy_chunk, &fc, out, err);
        sh_cache_release(e->cache, ce);
    }
    kl_unlock(e->keys, key, klen);
    return rc;
}

int sh_engine_get(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  zd_buf *out, zd_error *err)
{
    uint64_t pos;
    zd_shard_entry at;
    zd_buf_reset(out);
    if (zd_shard_chunk_index(l, coords, &pos) != 0)
        return zd_error_set(err, ZD_ERANGE, "chunk coordinates lie outside the shard");
    int rc = sh_engine_read(e, key, l, &pos, 1, out, &at, err);
    if (rc == 0 && at.offset == ZD_SHARD_EMPTY)
        rc = zd_error_set(err, ZD_ENOTFOUND, "the inner chunk is empty");
    return rc;
}

/* A new shard needs no journal record: its whole content is written to a temporary file,
 * made durable (with --fsync) and renamed into place, so a crash leaves either no shard or
 * the complete one. */
static int create_shard(sh_engine *e, const char *key, sh_file *f, const sh_plan *p, zd_error *err)
{
    ks_temp tmp;
    bool sync = sh_wal_mode(e->wal) != KS_FSYNC_NONE;
    int rc = sh_io_temp(e->ks, &tmp, err);
    if (rc) return rc;
    rc = sh_io_apply(tmp.fd, p->writes, p->nwrites, 0, p->new_size, err);
    if (rc == 0 && sync) rc = sh_io_sync(tmp.fd, true, err);
    if (rc == 0) rc = sh_io_replace(e->ks, key, &tmp, false, sync, err);
    if (rc) {
        ks_temp_discard(e->ks, &tmp);
        return rc;
    }
    rc = sh_file_adopt_fd(f, tmp.fd, err);
    if (rc == 0) f->size = p->new_size;
    return rc;
}

/* Journal and apply a built plan to f (the shard at key). */
static int commit_plan(sh_engine *e, const char *key, sh_file *f, const sh_plan *p, zd_error *err)
{
    int rc;
    if (p->delete_file) {
        rc = sh_wal_log_delete(e->wal, key, &f->id, err);
        if (rc == 0) rc = sh_io_remove(e->ks, key, false, err);
        if (rc) return rc;
        sh_file_reset_absent(f);
        return 0;
    }
    if (f->fd < 0) return create_shard(e, key, f, p, err);
    kl_note_in_place(e->keys, key, strlen(key));
    rc = sh_wal_log_write(e->wal, key, &f->id, p->new_size, p->writes, p->nwrites, err);
    if (rc == 0) rc = sh_io_apply(f->fd, p->writes, p->nwrites, f->size, p->new_size, err);
    if (rc == 0) f->size = p->new_size;
    return rc;
}

/* A plain GET may be streaming the shard's file without the key's lock (keylock.h, streams):
 * before a change, give the shard a new file with the same content (copy, sync, rename over
 * the key) so the streams keep reading the old one, unchanged. The same for the first change
 * of a key of this stripe since the server started: until then the stripe's values went out
 * with sendfile, whose pages a socket may still hold after the stream ended. The copy is
 * complete and durable before it replaces the shard, and journal records of the old file
 * never apply to the new one (another identity), so a crash at any point leaves a valid
 * shard. */
static int move_away_from_streams(sh_engine *e, const char *key, zd_error *err)
{
    size_t klen = strlen(key);
    if (!kl_streaming(e->keys, key, klen) && kl_in_place_seen(e->keys, key, klen)) return 0;
    int src = sh_io_open(e->ks, key, err);
    if (src == ZD_ENOTFOUND) { /* a new shard gets a new file anyway */
        zd_error_clear(err);
        return 0;
    }
    if (src < 0) return src;
    ks_temp tmp;
    bool sync = sh_wal_mode(e->wal) != KS_FSYNC_NONE;
    struct stat st;
    int rc = sh_io_temp(e->ks, &tmp, err);
    if (rc == 0 && fstat(src, &st) != 0)
        rc = zd_error_set(err, ZD_EIO, "cannot stat shard: %s", strerror(errno));
    if (rc == 0) rc = sh_io_copy(src, tmp.fd, (uint64_t)st.st_size, err);
    if (rc == 0 && sync) rc = sh_io_sync(tmp.fd, true, err);
    if (rc == 0) rc = sh_io_replace(e->ks, key, &tmp, true, sync, err);
    ks_temp_discard(e->ks, &tmp);
    close(src);
    sh_cache_drop(e->cache, key);
    return rc;
}

/* Whether a change of key now would first move the shard away from streams (see above). */
static bool move_needed(sh_engine *e, const char *key)
{
    size_t klen = strlen(key);
    return kl_streaming(e->keys, key, klen) || !kl_in_place_seen(e->keys, key, klen);
}

/* Changes under the key's exclusive lock, inside the journal. Without may_block: ZD_EWOULDBLOCK
 * before anything changes on disk when the change needs a copy, a new file or a compaction. */
static int apply_locked(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                        size_t n, bool may_block, zd_error *err)
{
    sh_cache_entry *ce;
    sh_file *f;
    bool due;
    int rc = may_block ? move_away_from_streams(e, key, err) : 0;
    if (rc == 0) rc = sh_cache_acquire(e->cache, key, l, SH_FOR_CHANGE, &ce, &f, err);
    if (rc) return rc;
    due = sh_compact_due(f, e->opts.compact_percent, e->opts.compact_min_dead);
    if (!may_block && (due || (f->fd >= 0 && move_needed(e, key)))) {
        sh_cache_release(e->cache, ce);
        return ZD_EWOULDBLOCK;
    }
    sh_plan plan;
    rc = sh_plan_build(f, ops, n, &plan, err);
    if (rc == 0 && !may_block && plan.changed && !plan.delete_file && f->fd < 0)
        rc = ZD_EWOULDBLOCK; /* a new shard: a new file (the plan changed f: it is dropped) */
    if (rc == 0 && plan.changed) rc = commit_plan(e, key, f, &plan, err);
    if (rc == 0) {
        /* A failed compaction leaves the valid shard as it was; the change succeeded. */
        zd_error ignored;
        due = sh_compact_due(f, e->opts.compact_percent, e->opts.compact_min_dead);
        bool compacted = due && may_block && sh_compact(e->ks, key, f, e->wal, &ignored) == 0;
        sh_plan_count(&plan, compacted);
    }
    sh_plan_dispose(&plan);
    sh_cache_release(e->cache, ce);
    if (rc) sh_cache_drop(e->cache, key);
    return rc;
}

static int apply(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                 size_t n, bool may_block, zd_error *err)
{
    int rc = check_key(key, err);
    if (rc == 0) rc = sh_plan_check(l, ops, n, err);
    if (rc) return rc;
    if (!may_block && (sh_wal_mode(e->wal) != KS_FSYNC_NONE || sh_wal_checkpoint_due(e->wal)))
        return ZD_EWOULDBLOCK; /* a journal sync, or a checkpoint to run after the change */
    if ((rc = kl_change_begin(e->keys, key, e, err)) != 0) return rc;
    sh_wal_enter(e->wal);
    rc = apply_locked(e, key, l, ops, n, may_block, err);
    sh_wal_leave(e->wal);
    kl_change_end(e->keys, key, e);
    zd_error ignored;
    if (may_block) sh_wal_checkpoint_if_due(e->wal, &ignored);
    return rc;
}

int sh_engine_apply(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                    size_t n, zd_error *err)
{
    return apply(e, key, l, ops, n, true, err);
}

int sh_engine_apply_now(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                        size_t n, zd_error *err)
{
    return apply(e, key, l, ops, n, false, err);
}

int sh_engine_put(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  const void *data, size_t len, zd_error *err)
{
    sh_op op = {.kind = SH_OP_PUT, .data = data, .len = len};
    memcpy(op.coords, coords, (size_t)l->ndim * sizeof *coords);
    return sh_engine_apply(e, key, l, &op, 1, err);
}

int sh_engine_delete(sh_engine *e, const char *key, const zd_shard_layout *l,
                     const uint64_t *coords, zd_error *err)
{
    sh_op op = {.kind = SH_OP_DELETE};
    memcpy(op.coords, coords, (size_t)l->ndim * sizeof *coords);
    return sh_engine_apply(e, key, l, &op, 1, err);
}

/* Before a plain write replaces or patches key outside the journal (the watcher of the key
 * locks, called with key's exclusive lock held): make the file's journaled state durable, then
 * a barrier so replay never applies older records to the new content; forget the shard. */
static int plain_write_begins(void *ctx, const char *key, zd_error *err)
{
    sh_engine *e = ctx;
    int rc = 0;
    sh_wal_enter(e->wal);
    if (sh_wal_mentions(e->wal, key)) {
        int fd = sh_wal_mode(e->wal) != KS_FSYNC_NONE ? sh_io_open(e->ks, key, NULL) : -1;
        if (fd >= 0) {
            rc = sh_io_sync(fd, true, err);
            close(fd);
        }
        if (rc == 0) rc = sh_wal_log_barrier(e->wal, key, err);
    }
    sh_wal_leave(e->wal);
    sh_cache_drop(e->cache, key);
    return rc;
}

static void plain_write_ends(void *ctx, const char *key)
{
    sh_engine *e = ctx;
    sh_cache_drop(e->cache, key);
}
