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
#include "keylock.h"
#include "zd_key.h"
#include "shard_stats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sh_engine {
    int root_fd;
    sh_engine_opts opts;
    sh_wal *wal;
    sh_cache *cache;
};

/* Remove temporary files (new shards, compactions) a crash left behind. */
static void remove_stale_temporaries(int root_fd)
{
    int fd = openat(root_fd, SH_PRIVATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    for (struct dirent *de; (de = readdir(d));)
        if (strncmp(de->d_name, "tmp.", 4) == 0) unlinkat(fd, de->d_name, 0);
    closedir(d);
}

int sh_engine_open(sh_engine **out, const char *root, const sh_engine_opts *opts, zd_error *err)
{
    sh_engine *e = calloc(1, sizeof *e);
    if (!e) return zd_error_set(err, ZD_ENOMEM, "no memory for the shard engine");
    if (opts) e->opts = *opts;
    if (!e->opts.max_open_shards) e->opts.max_open_shards = 256;
    if (!e->opts.max_cached_index_bytes) e->opts.max_cached_index_bytes = (uint64_t)1 << 30;
    if (!e->opts.compact_percent) e->opts.compact_percent = 50;
    if (!e->opts.compact_min_dead) e->opts.compact_min_dead = 1u << 20;
    if (!e->opts.wal_checkpoint_bytes) e->opts.wal_checkpoint_bytes = 64u << 20;
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        free(e);
        return zd_error_set(err, ZD_EIO, "cannot create %s: %s", root, strerror(errno));
    }
    e->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (e->root_fd < 0) {
        free(e);
        return zd_error_set(err, ZD_EIO, "cannot open %s: %s", root, strerror(errno));
    }
    int rc = sh_wal_open(&e->wal, e->root_fd, e->opts.fsync, e->opts.wal_checkpoint_bytes, err);
    if (rc == 0) {
        remove_stale_temporaries(e->root_fd);
        rc = sh_cache_new(&e->cache, e->root_fd, e->opts.max_open_shards,
                          e->opts.max_cached_index_bytes);
        if (rc) zd_error_set(err, rc, "no memory for the shard cache");
    }
    if (rc) {
        sh_engine_close(e);
        return rc;
    }
    *out = e;
    return 0;
}

void sh_engine_close(sh_engine *e)
{
    if (!e) return;
    sh_cache_free(e->cache);
    if (e->wal) sh_wal_close(e->wal);
    close(e->root_fd);
    free(e);
}

int sh_engine_root_fd(const sh_engine *e)
{
    return e->root_fd;
}

static int check_key(const char *key, zd_error *err)
{
    size_t len = strlen(key);
    if (len == 0 || len > ZD_MAX_KEY)
        return zd_error_set(err, ZD_EINVAL, "shard key must have 1..%d bytes", ZD_MAX_KEY);
    if (strncmp(key, SH_PRIVATE_DIR, strlen(SH_PRIVATE_DIR)) == 0 &&
        (key[strlen(SH_PRIVATE_DIR)] == '/' || key[strlen(SH_PRIVATE_DIR)] == '\0'))
        return zd_error_set(err, ZD_EINVAL, "keys under %s are reserved", SH_PRIVATE_DIR);
    return zd_key_validate(key, len, err);
}

int sh_engine_get(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  zd_buf *out, zd_error *err)
{
    uint64_t pos;
    zd_buf_reset(out);
    int rc = check_key(key, err);
    if (rc) return rc;
    if (zd_shard_chunk_index(l, coords, &pos) != 0)
        return zd_error_set(err, ZD_ERANGE, "chunk coordinates lie outside the shard");
    size_t klen = strlen(key);
    kl_lock_shared(key, klen);
    sh_cache_entry *ce;
    sh_file *f;
    rc = sh_cache_acquire(e->cache, key, l, &ce, &f, err);
    if (rc == 0) {
        zd_shard_entry en = f->entries[pos];
        if (en.offset == ZD_SHARD_EMPTY)
            rc = zd_error_set(err, ZD_ENOTFOUND, "the inner chunk is empty");
        else if (zd_buf_reserve(out, (size_t)en.nbytes))
            rc = zd_error_set(err, ZD_ENOMEM, "no memory for a %llu-byte chunk",
                              (unsigned long long)en.nbytes);
        else if ((rc = sh_io_pread_all(f->fd, out->data, (size_t)en.nbytes, en.offset, err)) == 0)
            out->len = (size_t)en.nbytes;
        sh_cache_release(e->cache, ce);
    }
    kl_unlock(key, klen);
    return rc;
}

/* A new shard needs no journal record: its whole content is written to a temporary file,
 * made durable (with --fsync) and renamed into place, so a crash leaves either no shard or
 * the complete one. */
static int create_shard(sh_engine *e, const char *key, sh_file *f, const sh_plan *p, zd_error *err)
{
    char tmp[64];
    bool sync = sh_wal_mode(e->wal) != SH_FSYNC_NONE;
    int fd = sh_io_create_temp(e->root_fd, tmp, sizeof tmp, err);
    if (fd < 0) return fd;
    int rc = sh_io_apply(fd, p->writes, p->nwrites, 0, p->new_size, err);
    if (rc == 0 && sync && sh_fdatasync(fd) != 0)
        rc = zd_error_set(err, sh_io_errcode(errno), "fsync of a new shard failed: %s",
                          strerror(errno));
    if (rc == 0) rc = sh_io_make_parents(e->root_fd, key, err);
    if (rc == 0 && renameat(e->root_fd, tmp, e->root_fd, key) != 0)
        rc = zd_error_set(err,
                          errno == EISDIR || errno == ENOTDIR ? ZD_ECONFLICT : sh_io_errcode(errno),
                          "cannot create shard %s: %s", key, strerror(errno));
    if (rc) {
        unlinkat(e->root_fd, tmp, 0);
        close(fd);
        return rc;
    }
    if (sync && (rc = sh_io_sync_parent(e->root_fd, key, err)) != 0) {
        close(fd);
        return rc;
    }
    rc = sh_file_adopt_fd(f, fd, err);
    if (rc == 0) f->size = p->new_size;
    return rc;
}

/* Journal and apply a built plan to f (the shard at key). */
static int commit_plan(sh_engine *e, const char *key, sh_file *f, const sh_plan *p, zd_error *err)
{
    int rc;
    if (p->delete_file) {
        rc = sh_wal_log_delete(e->wal, key, &f->id, err);
        if (rc) return rc;
        if (unlinkat(e->root_fd, key, 0) != 0 && errno != ENOENT)
            return zd_error_set(err, ZD_EIO, "cannot delete shard: %s", strerror(errno));
        sh_file_reset_absent(f);
        return 0;
    }
    if (f->fd < 0) return create_shard(e, key, f, p, err);
    kl_note_in_place(key, strlen(key));
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
    if (!kl_streaming(key, klen) && kl_in_place_seen(key, klen)) return 0;
    int src = sh_io_open(e->root_fd, key, NULL);
    if (src == ZD_ENOTFOUND) return 0; /* a new shard gets a new file anyway */
    if (src < 0) return sh_io_open(e->root_fd, key, err);
    char tmp[64];
    bool sync = sh_wal_mode(e->wal) != SH_FSYNC_NONE;
    struct stat st;
    int rc = 0, dst = sh_io_create_temp(e->root_fd, tmp, sizeof tmp, err);
    if (dst < 0) rc = dst;
    if (rc == 0 && fstat(src, &st) != 0)
        rc = zd_error_set(err, ZD_EIO, "cannot stat shard: %s", strerror(errno));
    if (rc == 0) rc = sh_io_copy(src, dst, (uint64_t)st.st_size, err);
    if (rc == 0 && sync && sh_fdatasync(dst) != 0)
        rc = zd_error_set(err, sh_io_errcode(errno), "fsync of a shard copy failed: %s",
                          strerror(errno));
    if (rc == 0 && renameat(e->root_fd, tmp, e->root_fd, key) != 0)
        rc = zd_error_set(err, ZD_EIO, "cannot replace shard %s: %s", key, strerror(errno));
    if (rc && dst >= 0) unlinkat(e->root_fd, tmp, 0);
    if (rc == 0 && sync) rc = sh_io_sync_parent(e->root_fd, key, err);
    if (dst >= 0) close(dst);
    close(src);
    sh_cache_drop(e->cache, key);
    return rc;
}

/* Changes under the key's exclusive lock, inside the journal. */
static int apply_locked(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                        size_t n, zd_error *err)
{
    sh_cache_entry *ce;
    sh_file *f;
    int rc = move_away_from_streams(e, key, err);
    if (rc == 0) rc = sh_cache_acquire(e->cache, key, l, &ce, &f, err);
    if (rc) return rc;
    sh_plan plan;
    rc = sh_plan_build(f, ops, n, &plan, err);
    if (rc == 0 && plan.changed) rc = commit_plan(e, key, f, &plan, err);
    if (rc == 0) {
        /* A failed compaction leaves the valid shard as it was; the change succeeded. */
        zd_error ignored;
        bool compacted = sh_compact_due(f, e->opts.compact_percent, e->opts.compact_min_dead) &&
                         sh_compact(e->root_fd, key, f, e->wal, &ignored) == 0;
        sh_plan_count(&plan, compacted);
    }
    sh_plan_dispose(&plan);
    sh_cache_release(e->cache, ce);
    if (rc) sh_cache_drop(e->cache, key);
    return rc;
}

int sh_engine_apply(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                    size_t n, zd_error *err)
{
    int rc = check_key(key, err);
    if (rc == 0) rc = sh_plan_check(l, ops, n, err);
    if (rc) return rc;
    size_t klen = strlen(key);
    kl_lock(key, klen);
    sh_wal_enter(e->wal);
    rc = apply_locked(e, key, l, ops, n, err);
    sh_wal_leave(e->wal);
    kl_unlock(key, klen);
    zd_error ignored;
    sh_wal_checkpoint_if_due(e->wal, &ignored);
    return rc;
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

/* Before a plain write replaces or patches key outside the journal: make the file's journaled
 * state durable, then a barrier so replay never applies older records to the new content. */
static int barrier_locked(sh_engine *e, const char *key, zd_error *err)
{
    if (!sh_wal_mentions(e->wal, key)) return 0;
    if (sh_wal_mode(e->wal) != SH_FSYNC_NONE) {
        int fd = sh_io_open(e->root_fd, key, NULL);
        if (fd >= 0) {
            int bad = sh_fdatasync(fd);
            close(fd);
            if (bad) return zd_error_set(err, ZD_EIO, "fsync failed: %s", strerror(errno));
        }
    }
    return sh_wal_log_barrier(e->wal, key, err);
}

int sh_engine_write_begin(sh_engine *e, const char *key, zd_error *err)
{
    size_t klen = strlen(key);
    kl_lock(key, klen);
    if (!e) return 0;
    sh_wal_enter(e->wal);
    int rc = barrier_locked(e, key, err);
    sh_wal_leave(e->wal);
    sh_cache_drop(e->cache, key);
    if (rc) kl_unlock(key, klen);
    return rc;
}

void sh_engine_write_end(sh_engine *e, const char *key)
{
    if (e) sh_cache_drop(e->cache, key);
    kl_unlock(key, strlen(key));
}

int sh_engine_write_begin_pair(sh_engine *e, const char *a, const char *b, zd_error *err)
{
    size_t alen = strlen(a), blen = strlen(b);
    kl_lock_pair(a, alen, b, blen);
    if (!e) return 0;
    sh_wal_enter(e->wal);
    int rc = barrier_locked(e, a, err);
    if (rc == 0) rc = barrier_locked(e, b, err);
    sh_wal_leave(e->wal);
    sh_cache_drop(e->cache, a);
    sh_cache_drop(e->cache, b);
    if (rc) kl_unlock_pair(a, alen, b, blen);
    return rc;
}

void sh_engine_write_end_pair(sh_engine *e, const char *a, const char *b)
{
    if (e) {
        sh_cache_drop(e->cache, a);
        sh_cache_drop(e->cache, b);
    }
    kl_unlock_pair(a, strlen(a), b, strlen(b));
}
