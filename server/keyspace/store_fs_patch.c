/* store_fs_patch.c: PATCH in the fs store.
 *
 * Raw PATCH (one range, streamed body): the body is spooled -- in memory up to FS_INPLACE_MAX,
 * beyond that in an anonymous file of the staging directory -- and applied only at commit,
 * under the key's change bracket, to the value the key names at that moment (precondition and
 * offset <= size checks, mtime rule), all or nothing for readers and for a crash:
 *   - in place when the shard engine lent its journal (st_journal), the body is in memory
 *     and fs_in_place_ok (no GET streaming the key's stripe, whose values go out by copy):
 *     the range and the new size are journaled (durable per --fsync) and then written into
 *     the file; a crash in between is completed by the journal's replay;
 *   - otherwise the value is copied to a staging file, the range applied there (from memory
 *     or the spool), synced per --fsync and renamed over the key: readers keep the file they
 *     opened.
 * A body that never completes changes nothing; concurrent PATCHes of disjoint ranges of one
 * key all land (each applies its own range under the lock). An extension is reserved first,
 * and cut back if writing still fails, so a full disk leaves the value as it was. A file with
 * other hard links is refused (ZD_ELINKED): its other name may be outside the root.
 *
 * Multi-range PATCH (buffered body): under the bracket the value is copied to a staging file,
 * every range is applied there, and the copy is renamed over the key, so readers see all
 * ranges or none (the old file, and any other link to it, is left as it was). */
#include "store_fs_internal.h"

#include "log.h"

#include "zd_buf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fs_patched_copy(const fs_store *s, int src, const struct stat *st, const st_patch *p,
                           size_t n, ks_temp *tmp);

/* ---- raw PATCH ---- */

typedef struct fs_patcher {
    st_writer base;
    fs_store *s;
    uint64_t off; /* where the body goes in the value */
    zd_buf mem;   /* the body, while it fits FS_INPLACE_MAX */
    int spool;    /* anonymous file holding the body beyond that, or -1 */
    uint64_t spooled;
    char key[];
} fs_patcher;

static void fs_patcher_free(fs_patcher *p)
{
    zd_buf_free(&p->mem);
    if (p->spool >= 0) close(p->spool);
    free(p);
}

/* Move the body so far from memory to an anonymous staging file. */
static int fs_patcher_spill(fs_patcher *p)
{
    int rc = ks_spool_create(p->s->ks, &p->spool);
    if (rc) return rc == ZD_ENOTFOUND || rc == ZD_EBADKEY ? ZD_EIO : rc;
    rc = ks_pwrite_all(p->spool, p->mem.data, p->mem.len, 0);
    p->spooled = p->mem.len;
    zd_buf_free(&p->mem);
    return rc;
}

static int fs_patcher_write(st_writer *base, const void *data, size_t len)
{
    fs_patcher *p = (fs_patcher *)base;
    if (p->spool < 0 && p->mem.len + len <= FS_INPLACE_MAX)
        return zd_buf_append(&p->mem, data, len);
    int rc = p->spool < 0 ? fs_patcher_spill(p) : 0;
    if (!rc) rc = ks_pwrite_all(p->spool, data, len, p->spooled);
    p->spooled += len;
    return rc;
}

static void fs_patcher_abort(st_writer *base)
{
    fs_patcher_free((fs_patcher *)base);
}

/* In place, through the lent journal: the body (in memory) and the new size are journaled,
 * then written at off into fd. The extension is reserved first; on failure the value keeps
 * its size. */
static int fs_patcher_in_place(fs_patcher *p, int fd, const struct stat *st)
{
    const st_journal *j = &p->s->journal;
    uint64_t size = (uint64_t)st->st_size, end = p->off + p->mem.len;
    int rc = ks_reserve(fd, size, end);
    if (rc) return rc;
    st_patch piece = {.off = p->off, .data = p->mem.data, .len = p->mem.len};
    zd_error err = {0};
    rc = j->write(j->ctx, p->key, fd, size, &piece, 1, end > size ? end : size, &err);
    if (rc) {
        lg_log(LG_ERROR, "%s: %s", p->key, err.msg);
        struct stat nst; /* drop a partial extension, and give the value a new ETag */
        if (ks_truncate(fd, size) == 0) fs_bump(fd, st, &nst);
    }
    return rc == ZD_ECORRUPT ? ZD_EIO : rc;
}

static int fs_patcher_commit(st_writer *base, const st_precond *pc, st_result *res)
{
    fs_patcher *p = (fs_patcher *)base;
    fs_store *s = p->s;
    const void *origin = s->journal.write ? s->journal.ctx : NULL;
    ks_entry e;
    int rc = ks_entry_open(s->ks, p->key, false, &e);
    if (rc == 0 && (rc = fs_change_begin_from(s, p->key, origin)) != 0) ks_entry_close(&e);
    if (rc) {
        fs_patcher_free(p);
        return rc;
    }
    ks_temp tmp = {.fd = -1};
    int fd = -1;
    struct stat st, nst;
    rc = ks_entry_open_file(&e, true, &fd, &st);
    if (rc == ZD_EISDIR) rc = ZD_ENOTFOUND;
    if (!rc && pc) {
        st_stat cur;
        rc = fs_precond_stat(s, pc, fd, &st, &cur);
        if (!rc) rc = pc->check(pc, &cur);
    }
    uint64_t len = p->spool >= 0 ? p->spooled : p->mem.len;
    if (!rc && p->off > (uint64_t)st.st_size) rc = ZD_ERANGE;
    if (!rc && p->off + len > (uint64_t)INT64_MAX) rc = ZD_EOVERFLOW;
    bool in_place = !rc && origin && p->spool < 0 && fs_in_place_ok(s, p->key);
    if (in_place) {
        rc = fs_patcher_in_place(p, fd, &st);
        if (!rc) rc = fs_bump(fd, &st, &nst);
    } else if (!rc) { /* a copy with the range applied replaces the file */
        st_patch piece = {.off = p->off, .data = p->mem.data, .len = p->mem.len};
        rc = fs_patched_copy(s, fd, &st, &piece, p->spool >= 0 ? 0 : 1, &tmp);
        if (!rc && p->spool >= 0) rc = ks_copy(p->spool, 0, tmp.fd, p->off, p->spooled);
        if (!rc) rc = fs_meta_copy(s, fd, tmp.fd); /* as in place: the lines stay */
        if (!rc) rc = fs_sync_staged(s, tmp.fd);
        if (!rc) rc = fs_bump(tmp.fd, &st, &nst);
        if (!rc) rc = ks_publish(s->ks, &e, &tmp, true);
    }
    fs_change_end_from(s, p->key, origin);
    if (origin) s->journal.done(s->journal.ctx);
    if (!rc) {
        res->created = false;
        fs_etag(&nst, &res->stat);
        if (!in_place) rc = fs_durable(s, &e, true); /* in place: the journal made it durable */
    }
    ks_temp_discard(s->ks, &tmp);
    if (fd >= 0) close(fd);
    ks_entry_close(&e);
    fs_patcher_free(p);
    return rc == ZD_ECORRUPT ? ZD_EIO : rc;
}

int fs_patch_begin(st_store *base, const char *key, uint64_t offset, st_writer **out)
{
    fs_store *s = (fs_store *)base;
    st_stat st;
    int rc = s->base.stat(base, key, &st);
    if (rc) return rc;
    if (offset > st.size) return ZD_ERANGE;
    size_t klen = strlen(key);
    fs_patcher *p = calloc(1, sizeof *p + klen + 1);
    if (!p) return ZD_ENOMEM;
    memcpy(p->key, key, klen + 1);
    p->s = s;
    p->off = offset;
    p->spool = -1;
    p->base = (st_writer){
        .write = fs_patcher_write, .commit = fs_patcher_commit, .abort = fs_patcher_abort};
    *out = &p->base;
    return 0;
}

/* ---- multi-range PATCH ---- */

/* The patched copy of src (of size st) in tmp: copy, apply every piece. The caller syncs. */
static int fs_patched_copy(const fs_store *s, int src, const struct stat *st, const st_patch *p,
                           size_t n, ks_temp *tmp)
{
    int rc = ks_temp_create(s->ks, tmp);
    if (rc) return rc == ZD_ENOTFOUND || rc == ZD_EBADKEY ? ZD_EIO : rc;
    rc = ks_copy(src, 0, tmp->fd, 0, (uint64_t)st->st_size);
    for (size_t i = 0; i < n && !rc; i++)
        rc = ks_pwrite_all(tmp->fd, p[i].data, p[i].len, p[i].off);
    return rc == ZD_ECORRUPT ? ZD_EIO : rc;
}

int fs_patch_many(st_store *base, const char *key, const st_patch *p, size_t n,
                  const st_precond *pc, st_result *res)
{
    fs_store *s = (fs_store *)base;
    ks_entry e;
    int rc = ks_entry_open(s->ks, key, false, &e);
    if (rc) return rc;
    if ((rc = fs_change_begin(s, key)) != 0) {
        ks_entry_close(&e);
        return rc;
    }
    ks_temp tmp = {.fd = -1};
    int src = -1;
    struct stat st, nst;
    rc = ks_entry_open_file(&e, false, &src, &st);
    if (rc == ZD_EISDIR) rc = ZD_ENOTFOUND;
    if (!rc && pc) {
        st_stat cur;
        rc = fs_precond_stat(s, pc, src, &st, &cur);
        if (!rc) rc = pc->check(pc, &cur);
    }
    if (!rc) rc = st_patch_check(p, n, (uint64_t)st.st_size);
    if (!rc) rc = fs_patched_copy(s, src, &st, p, n, &tmp);
    if (!rc) rc = fs_meta_copy(s, src, tmp.fd); /* the lines stay; the ETag's stamp won't match */
    if (!rc) rc = fs_sync_staged(s, tmp.fd);
    if (!rc) rc = fs_bump(tmp.fd, &st, &nst);
    if (!rc) rc = ks_publish(s->ks, &e, &tmp, true);
    fs_change_end(s, key);
    if (!rc) {
        res->created = false;
        fs_etag(&nst, &res->stat);
        rc = fs_durable(s, &e, true);
    }
    ks_temp_discard(s->ks, &tmp);
    if (src >= 0) close(src);
    ks_entry_close(&e);
    return rc;
}
