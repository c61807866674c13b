/* store_fs_patch.c: PATCH in the fs store.
 *
 * Raw PATCH (one range, streamed body): the body is spooled -- in memory up to FS_SPOOL_MEM,
 * beyond that in an unlinked temp file in the key's directory -- and applied only at commit,
 * under the key's lock, to the value the key names at that moment: precondition check, offset
 * <= size check, pwrite (or copy_file_range from the spool) at the offset, fsync per --fsync,
 * mtime rule. A body that never completes changes nothing; concurrent PATCHes of disjoint
 * ranges of one key all land (each applies its own range under the lock). An extension is
 * reserved with fallocate first, and cut back if writing still fails, so a full disk leaves
 * the value as it was.
 *
 * Multi-range PATCH (buffered body): under the key's lock the value is copied to a temp file
 * in its directory, every range is applied there, and the copy is renamed over the key, so
 * readers see all ranges or none. */
#include "store_fs_internal.h"

#include "zd_buf.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FS_SPOOL_MEM  (1u << 20) /* raw PATCH bodies up to this stay in memory */
#define FS_COPY_CHUNK (1u << 20)

/* Copy len bytes from `from` at from_off to `to` at to_off (copy_file_range, else
 * pread/pwrite). */
static int fs_copy_range(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len)
{
    loff_t in = (loff_t)from_off, out = (loff_t)to_off;
    uint64_t done = 0;
    while (done < len) {
        size_t want = len - done > FS_COPY_CHUNK ? FS_COPY_CHUNK : (size_t)(len - done);
        ssize_t n = copy_file_range(from, &in, to, &out, want, 0);
        if (n > 0) {
            done += (uint64_t)n;
            continue;
        }
        if (n == 0) return ZD_EIO; /* source shorter than expected */
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return fs_errno(errno);
        /* no copy offload here: plain read/write of the rest */
        char *buf = malloc(FS_COPY_CHUNK);
        if (!buf) return ZD_ENOMEM;
        int rc = 0;
        while (!rc && done < len) {
            size_t chunk = len - done > FS_COPY_CHUNK ? FS_COPY_CHUNK : (size_t)(len - done);
            rc = fs_pread_all(from, buf, chunk, from_off + done);
            if (!rc) rc = fs_pwrite_all(to, buf, chunk, to_off + done);
            done += chunk;
        }
        free(buf);
        return rc;
    }
    return 0;
}

/* Open the key's file for writing, beneath the root (key lock held by the caller). */
static int fs_open_value(const fs_store *s, const char *key, int flags, int *fd, struct stat *st)
{
    int f = fs_open_beneath(s, s->root_fd, key, flags, 0);
    if (f < 0) return fs_errno(-f);
    if (fstat(f, st) || !S_ISREG(st->st_mode)) {
        close(f);
        return ZD_ENOTFOUND;
    }
    *fd = f;
    return 0;
}

/* Reserve the blocks of a value growing from size to end, beyond its end of file, so that
 * writing the extension cannot run out of space halfway (ST_ENOSPC now, nothing changed). */
static int fs_reserve(int fd, uint64_t size, uint64_t end)
{
    if (end <= size) return 0;
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)size, (off_t)(end - size)) == 0) return 0;
    return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : fs_errno(errno);
}

/* ---- raw PATCH ---- */

typedef struct fs_patcher {
    st_writer base;
    fs_store *s;
    uint64_t off; /* where the body goes in the value */
    zd_buf mem;   /* the body, while it fits FS_SPOOL_MEM */
    int spool;    /* unlinked temp file holding the body beyond that, or -1 */
    uint64_t spooled;
    char key[];
} fs_patcher;

static void fs_patcher_free(fs_patcher *p)
{
    zd_buf_free(&p->mem);
    if (p->spool >= 0) close(p->spool);
    free(p);
}

/* Move the body so far from memory to an unlinked temp file in the key's directory. */
static int fs_patcher_spill(fs_patcher *p)
{
    char parent[ZD_MAX_KEY + 1], tmp[64];
    fs_split(p->key, parent);
    int dirfd;
    bool own;
    int rc = fs_parent(p->s, parent, false, &dirfd, &own);
    if (rc) return rc;
    int fd = fs_temp(dirfd, tmp, sizeof tmp);
    if (fd >= 0) unlinkat(dirfd, tmp, 0);
    if (own) close(dirfd);
    if (fd < 0) return fs_errno(-fd);
    p->spool = fd;
    rc = fs_pwrite_all(fd, p->mem.data, p->mem.len, 0);
    p->spooled = p->mem.len;
    zd_buf_free(&p->mem);
    return rc;
}

static int fs_patcher_write(st_writer *base, const void *data, size_t len)
{
    fs_patcher *p = (fs_patcher *)base;
    if (p->spool < 0 && p->mem.len + len <= FS_SPOOL_MEM) return zd_buf_append(&p->mem, data, len);
    int rc = p->spool < 0 ? fs_patcher_spill(p) : 0;
    if (!rc) rc = fs_pwrite_all(p->spool, data, len, p->spooled);
    p->spooled += len;
    return rc;
}

static void fs_patcher_abort(st_writer *base)
{
    fs_patcher_free((fs_patcher *)base);
}

static int fs_patcher_commit(st_writer *base, const st_precond *pc, st_result *res)
{
    fs_patcher *p = (fs_patcher *)base;
    fs_store *s = p->s;
    uint64_t len = p->spool >= 0 ? p->spooled : p->mem.len;
    int fd = -1;
    struct stat st, nst;
    int rc = fs_write_lock(p->key);
    if (rc) {
        fs_patcher_free(p);
        return rc;
    }
    rc = fs_open_value(s, p->key, O_WRONLY, &fd, &st);
    if (!rc && pc) {
        st_stat cur;
        rc = fs_precond_fd(pc, fd, &st, &cur);
        if (!rc) rc = pc->check(pc, &cur);
    }
    if (!rc && p->off > (uint64_t)st.st_size) rc = ZD_ERANGE;
    if (!rc && p->off + len > (uint64_t)INT64_MAX) rc = ZD_EOVERFLOW;
    if (!rc) rc = fs_reserve(fd, (uint64_t)st.st_size, p->off + len);
    if (!rc) {
        rc = p->spool >= 0 ? fs_copy_range(p->spool, 0, fd, p->off, len)
                           : fs_pwrite_all(fd, p->mem.data, p->mem.len, p->off);
        if (rc && ftruncate(fd, st.st_size) == 0) /* drop a partial extension */
            fs_bump(fd, &st, &nst);
    }
    if (!rc) rc = fs_sync(s, fd);
    if (!rc) rc = fs_bump(fd, &st, &nst);
    fs_write_unlock(p->key);
    if (fd >= 0) close(fd);
    if (!rc) {
        res->created = false;
        fs_etag(&nst, &res->stat);
    }
    fs_patcher_free(p);
    return rc;
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

static int fs_patch_apply(int fd, const st_patch *p, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fs_pwrite_all(fd, p[i].data, p[i].len, p[i].off);
    return rc;
}

int fs_patch_many(st_store *base, const char *key, const st_patch *p, size_t n,
                  const st_precond *pc, st_result *res)
{
    fs_store *s = (fs_store *)base;
    fs_locked k;
    int rc = fs_lock_parent(s, key, &k);
    if (rc) return rc;
    char tmp[64] = "";
    int src = -1, dst = -1;
    struct stat st, nst;
    src = openat(k.dirfd, k.last, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (src < 0)
        rc = fs_errno(errno);
    else if (fstat(src, &st))
        rc = fs_errno(errno);
    else if (!S_ISREG(st.st_mode))
        rc = ZD_ENOTFOUND;
    if (!rc && pc) {
        st_stat cur;
        rc = fs_precond_fd(pc, src, &st, &cur);
        if (!rc) rc = pc->check(pc, &cur);
    }
    if (!rc) rc = st_patch_check(p, n, (uint64_t)st.st_size);
    if (!rc && (dst = fs_temp(k.dirfd, tmp, sizeof tmp)) < 0) rc = fs_errno(-dst);
    if (!rc) rc = fs_copy_range(src, 0, dst, 0, (uint64_t)st.st_size);
    if (!rc) rc = fs_meta_copy(s, src, dst); /* the lines stay; the ETag's stamp won't match */
    if (!rc) rc = fs_patch_apply(dst, p, n);
    if (!rc) rc = fs_sync(s, dst);
    if (!rc) rc = fs_bump(dst, &st, &nst);
    if (!rc && renameat(k.dirfd, tmp, k.dirfd, k.last)) rc = fs_errno(errno);
    fs_write_unlock(key);
    if (!rc) {
        tmp[0] = '\0';
        res->created = false;
        fs_etag(&nst, &res->stat);
        rc = fs_sync(s, k.dirfd);
    }
    if (tmp[0]) unlinkat(k.dirfd, tmp, 0);
    if (src >= 0) close(src);
    if (dst >= 0) close(dst);
    fs_locked_close(&k);
    return rc;
}
