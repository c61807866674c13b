/* store_fs.c: the `fs` store: one key = one regular file under --root, so the root is a plain
 * Zarr directory store any Zarr tool can read.
 *
 * Path safety: keys are resolved relative to an fd of the root with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS); on kernels without
 * openat2 the path is walked segment by segment with O_NOFOLLOW. A symbolic link anywhere in
 * a key's path makes the key invalid (ST_EBADKEY, 400), so nothing outside the root is ever
 * reached.
 *
 * Writes: PUT streams into a temp file `.zarrd-tmp-PID-N` in the key's directory (parents
 * created), then fsync (--fsync always; with batch one syncfs per loop turn covers every
 * write of that turn before their answers go out, see sync_all), and under the key's lock:
 * precondition check, mtime bump, rename over the key (atomic replace), then the directory is
 * fsynced. PATCH is in store_fs_patch.c. DELETE unlinks under the lock and removes parent
 * directories left empty (never the root). Temp files are hidden from listings; the
 * `.zarrd-` segment prefix is refused in keys. Stale temp files (after a crash) are removed at
 * start-up only if they are in the root directory; elsewhere they stay hidden.
 *
 * ETag: "INODE-SIZE-MTIMENS" in hex. After every write the server sets the file's mtime
 * itself, under the key's lock, to max(now, previous mtime + 1 ns), so every modification --
 * even two PATCHes within one clock tick -- yields a new ETag. */
#include "store_fs_internal.h"

#include "keylock.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "shard_http.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint64_t fs_tmp_counter;

/* ---- path resolution ---- */

int fs_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return ZD_ENOTFOUND;
    case ELOOP:
    case EXDEV:
        return ST_EBADKEY;
    case EISDIR:
        return ST_EISDIR;
    case ENOMEM:
        return ZD_ENOMEM;
    case EFBIG:
        return ZD_EOVERFLOW;
    case ENOSPC:
    case EDQUOT:
        return ST_ENOSPC;
    default:
        return ZD_EIO;
    }
}

/* Open `path` (a validated key or key prefix, relative) beneath dirfd without following any
 * symbolic link; returns an fd or -errno. */
int fs_open_beneath(const fs_store *s, int dirfd, const char *path, int flags, mode_t mode)
{
    if (s->openat2_ok) {
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                               .mode = (flags & O_CREAT) ? mode : 0,
                               .resolve =
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        return fd >= 0 ? (int)fd : -errno;
    }
    int cur = dirfd;
    const char *seg = path;
    for (;;) {
        const char *slash = strchr(seg, '/');
        if (!slash) {
            int fd = openat(cur, seg, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            int e = errno;
            if (cur != dirfd) close(cur);
            return fd >= 0 ? fd : -e;
        }
        char name[ZD_MAX_KEY + 1];
        size_t n = (size_t)(slash - seg);
        memcpy(name, seg, n);
        name[n] = '\0';
        int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        if (cur != dirfd) close(cur);
        if (next < 0) return -e;
        cur = next;
        seg = slash + 1;
    }
}

/* Split key into parent path (copied to parent, "" for the root) and last segment. */
const char *fs_split(const char *key, char *parent)
{
    const char *slash = strrchr(key, '/');
    if (!slash) {
        parent[0] = '\0';
        return key;
    }
    size_t n = (size_t)(slash - key);
    memcpy(parent, key, n);
    parent[n] = '\0';
    return slash + 1;
}

/* Create every directory of `path` below the root; returns an fd of the last or -errno. */
static int fs_mkdirs(const fs_store *s, const char *path)
{
    int cur = s->root_fd;
    const char *seg = path;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        char name[ZD_MAX_KEY + 1];
        memcpy(name, seg, n);
        name[n] = '\0';
        if (mkdirat(cur, name, 0755) && errno != EEXIST) {
            int e = errno;
            if (cur != s->root_fd) close(cur);
            return -e;
        }
        int next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        if (cur != s->root_fd) close(cur);
        if (next < 0) return -e;
        cur = next;
        if (!slash) return cur;
        seg = slash + 1;
    }
}

/* An fd of the key's parent directory (the root fd itself for top-level keys: *own false). */
int fs_parent(const fs_store *s, const char *parent, bool create, int *fd, bool *own)
{
    *own = false;
    if (!parent[0]) {
        *fd = s->root_fd;
        return 0;
    }
    int d = fs_open_beneath(s, s->root_fd, parent, O_RDONLY | O_DIRECTORY, 0);
    if (d == -ENOENT && create) d = fs_mkdirs(s, parent);
    if (d < 0) return (d == -ENOTDIR && create) ? ST_EISDIR : fs_errno(-d);
    *fd = d;
    *own = true;
    return 0;
}

/* ---- ETags and mtimes ---- */

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

/* Set fd's mtime to max(now, old + 1 ns) and return its new stat. Caller holds the key lock. */
int fs_bump(int fd, const struct stat *old, struct stat *now_st)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t t = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (old && fs_mtime_ns(old) + 1 > t) t = fs_mtime_ns(old) + 1;
    struct timespec ts[2] = {
        {.tv_nsec = UTIME_OMIT},
        {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)}};
    if (futimens(fd, ts) || fstat(fd, now_st)) return fs_errno(errno);
    return 0;
}

int fs_sync(const fs_store *s, int fd)
{
    if (s->fsync_mode != OPT_FSYNC_ALWAYS) return 0; /* batch: fs_sync_all */
    mt_event(MT_EV_FSYNC);
    return fsync(fd) ? fs_errno(errno) : 0;
}

/* Create a fresh temp file in dirfd; returns an fd or -errno. */
int fs_temp(int dirfd, char *name, size_t cap)
{
    for (int tries = 0; tries < 16; tries++) {
        snprintf(name, cap, ST_RESERVED_PREFIX "tmp-%x-%" PRIx64, (unsigned)getpid(),
                 atomic_fetch_add(&fs_tmp_counter, 1));
        int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST) return fd >= 0 ? fd : -errno;
    }
    return -EEXIST;
}

int fs_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fs_errno(errno);
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the key lock ---- */

int fs_open_parent(const fs_store *s, const char *key, fs_locked *out)
{
    char parent[ZD_MAX_KEY + 1];
    out->last = fs_split(key, parent);
    return fs_parent(s, parent, false, &out->dirfd, &out->own);
}

int fs_lock_parent(const fs_store *s, const char *key, fs_locked *out)
{
    int rc = fs_open_parent(s, key, out);
    if (rc) return rc;
    if ((rc = fs_write_lock(key)) != 0) fs_locked_close(out);
    return rc;
}

void fs_locked_close(fs_locked *k)
{
    if (k->own) close(k->dirfd);
}

int fs_write_lock(const char *key)
{
    zd_error err = {0};
    int rc = sh_engine_write_begin(sh_http_engine(), key, &err);
    if (rc) lg_log(LG_ERROR, "%s: %s", key, err.msg);
    return rc;
}

void fs_write_unlock(const char *key)
{
    sh_engine_write_end(sh_http_engine(), key);
}

/* ---- stat / read ---- */

static int fs_stat(st_store *base, const char *key, st_stat *out)
{
    fs_store *s = (fs_store *)base;
    int fd = fs_open_beneath(s, s->root_fd, key, O_PATH, 0);
    if (fd < 0) return fs_errno(-fd);
    struct stat st;
    int rc = fstat(fd, &st) ? fs_errno(errno) : S_ISREG(st.st_mode) ? 0 : ZD_ENOTFOUND;
    close(fd);
    if (!rc) fs_etag(&st, out);
    return rc;
}

typedef struct fs_reader {
    st_reader base;
    int fd;
    unsigned stream; /* keylock.h: registered while the reader is open */
    struct stat st;  /* of the opened value (the metadata's ETag stamp) */
} fs_reader;

int fs_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return ZD_EIO;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

static int fs_read(st_reader *r, uint64_t off, void *buf, size_t len)
{
    return fs_pread_all(((fs_reader *)r)->fd, buf, len, off);
}

static int fs_reader_meta(st_reader *r, st_meta *out)
{
    fs_reader *f = (fs_reader *)r;
    return fs_meta_read(f->fd, &f->st, out);
}

int fs_precond_stat(const st_precond *pc, int dirfd, const char *name, const struct stat *st,
                    st_stat *cur)
{
    fs_etag(st, cur);
    return pc->want_meta_etag ? fs_meta_etag_at(dirfd, name, cur->meta_etag) : 0;
}

int fs_precond_fd(const st_precond *pc, int fd, const struct stat *st, st_stat *cur)
{
    fs_etag(st, cur);
    if (!pc->want_meta_etag) return 0;
    st_meta m;
    int rc = fs_meta_read(fd, st, &m);
    memcpy(cur->meta_etag, m.etag, sizeof cur->meta_etag);
    return rc;
}

static void fs_reader_close(st_reader *r)
{
    kl_stream_end(((fs_reader *)r)->stream);
    close(((fs_reader *)r)->fd);
    free(r);
}

/* A value is opened under the key's shared lock, so never while a shard patch of it is half
 * applied, and stays registered as a stream of the key (keylock.h) until the reader closes:
 * a shard patch meanwhile moves the shard to a new file, and this reader keeps the state it
 * opened, whatever the value's size and however long the response takes. Values of keys the
 * engine may change in place go out by copy, not sendfile (keylock.h). */

static int fs_open_read(st_store *base, const char *key, st_reader **out, st_stat *st_out)
{
    fs_store *s = (fs_store *)base;
    fs_reader *r = malloc(sizeof *r);
    if (!r) return ZD_ENOMEM;
    size_t klen = strlen(key);
    kl_lock_shared(key, klen);
    int fd = fs_open_beneath(s, s->root_fd, key, O_RDONLY, 0);
    struct stat st;
    int rc = fd < 0 ? fs_errno(-fd) : fstat(fd, &st) || !S_ISREG(st.st_mode) ? ZD_ENOTFOUND : 0;
    bool copy = rc == 0 && kl_in_place_seen(key, klen);
    if (rc == 0) r->stream = kl_stream_begin(key, klen);
    kl_unlock(key, klen);
    if (rc) {
        if (fd >= 0) close(fd);
        free(r);
        return rc;
    }
    fs_etag(&st, st_out);
    r->base = (st_reader){
        .read = fs_read, .meta = fs_reader_meta, .close = fs_reader_close, .fd = copy ? -1 : fd};
    r->fd = fd;
    r->st = st;
    *out = &r->base;
    return 0;
}

/* ---- PUT ---- */

typedef struct fs_writer {
    st_writer base;
    fs_store *s;
    int fd;
    int dirfd;
    bool own_dir;
    uint64_t off;  /* next write position */
    st_meta *meta; /* set_meta's copy, or NULL */
    char tmp[64];
    const char *last; /* last segment, inside key */
    char key[];
} fs_writer;

static void fs_writer_free(fs_writer *w, bool unlink_tmp)
{
    if (w->fd >= 0) close(w->fd);
    if (unlink_tmp && w->tmp[0]) unlinkat(w->dirfd, w->tmp, 0);
    if (w->own_dir) close(w->dirfd);
    free(w->meta);
    free(w);
}

static int fs_write(st_writer *base, const void *data, size_t len)
{
    fs_writer *w = (fs_writer *)base;
    int rc = fs_pwrite_all(w->fd, data, len, w->off);
    w->off += len;
    return rc;
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
    fs_writer *w = (fs_writer *)base;
    fs_writer_free(w, true);
}

static int fs_put_commit(st_writer *base, const st_precond *pc, st_result *res)
{
    fs_writer *w = (fs_writer *)base;
    fs_store *s = w->s;
    int rc = fs_sync(s, w->fd);
    if (rc) {
        fs_writer_free(w, true);
        return rc;
    }
    if ((rc = fs_write_lock(w->key)) != 0) {
        fs_writer_free(w, true);
        return rc;
    }
    struct stat old, nst;
    bool exists = fstatat(w->dirfd, w->last, &old, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && errno != ENOENT)
        rc = fs_errno(errno);
    else if (exists && S_ISDIR(old.st_mode))
        rc = ST_EISDIR;
    else if (exists && !S_ISREG(old.st_mode))
        rc = ST_EBADKEY;
    if (!rc && pc) {
        st_stat cur;
        if (exists) rc = fs_precond_stat(pc, w->dirfd, w->last, &old, &cur);
        if (!rc) rc = pc->check(pc, exists ? &cur : NULL);
    }
    if (!rc) rc = fs_bump(w->fd, exists ? &old : NULL, &nst);
    if (!rc && w->meta) rc = fs_meta_write(s, w->fd, &nst, w->meta);
    if (!rc && renameat(w->dirfd, w->tmp, w->dirfd, w->last)) rc = fs_errno(errno);
    fs_write_unlock(w->key);
    if (!rc) {
        w->tmp[0] = '\0';
        res->created = !exists;
        fs_etag(&nst, &res->stat);
        rc = fs_sync(s, w->dirfd);
    }
    fs_writer_free(w, rc != 0);
    return rc;
}

static int fs_put_begin(st_store *base, const char *key, uint64_t size_hint, st_writer **out)
{
    (void)size_hint;
    fs_store *s = (fs_store *)base;
    size_t klen = strlen(key);
    fs_writer *w = calloc(1, sizeof *w + klen + 1);
    if (!w) return ZD_ENOMEM;
    memcpy(w->key, key, klen + 1);
    w->s = s;
    w->fd = -1;
    w->dirfd = -1;
    const char *slash = strrchr(w->key, '/');
    w->last = slash ? slash + 1 : w->key;
    w->base = (st_writer){
        .write = fs_write, .set_meta = fs_set_meta, .commit = fs_put_commit, .abort = fs_abort};
    char parent[ZD_MAX_KEY + 1];
    fs_split(key, parent);
    /* A concurrent DELETE may remove the parent directory between our mkdir and the temp
     * file's creation (it prunes empty parents): retry the walk then. */
    int rc = 0;
    for (int tries = 0; tries < 8; tries++) {
        if ((rc = fs_parent(s, parent, true, &w->dirfd, &w->own_dir)) != 0) break;
        w->fd = fs_temp(w->dirfd, w->tmp, sizeof w->tmp);
        if (w->fd >= 0) break;
        rc = w->fd == -ENOENT ? ZD_ENOTFOUND : fs_errno(-w->fd);
        w->tmp[0] = '\0';
        if (w->own_dir) close(w->dirfd);
        w->own_dir = false;
        if (rc != ZD_ENOTFOUND) break;
    }
    if (rc) {
        fs_writer_free(w, false);
        return rc == ZD_ENOTFOUND ? ZD_EIO : rc;
    }
    *out = &w->base;
    return 0;
}

/* ---- delete ---- */

/* Remove the now possibly empty parent directories of key, deepest first; stops at the first
 * that is not empty. Each level is opened beneath the root (no symlinks followed). */
static void fs_prune(fs_store *s, const char *key)
{
    char path[ZD_MAX_KEY + 1];
    strcpy(path, key);
    char *slash;
    while ((slash = strrchr(path, '/')) != NULL) {
        *slash = '\0'; /* path is now a directory to try */
        char parent[ZD_MAX_KEY + 1];
        const char *last = fs_split(path, parent);
        int dirfd;
        bool own;
        if (fs_parent(s, parent, false, &dirfd, &own)) return;
        int rc = unlinkat(dirfd, last, AT_REMOVEDIR);
        if (own) close(dirfd);
        if (rc) return;
    }
}

static int fs_remove(st_store *base, const char *key, const st_precond *pc, bool *existed)
{
    fs_store *s = (fs_store *)base;
    fs_locked k;
    *existed = false;
    int rc = fs_lock_parent(s, key, &k);
    if (rc == ZD_ENOTFOUND) return pc ? pc->check(pc, NULL) : 0;
    if (rc) return rc;
    struct stat st;
    bool exists = fstatat(k.dirfd, k.last, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && errno != ENOENT)
        rc = fs_errno(errno);
    else if (exists && S_ISLNK(st.st_mode))
        rc = ST_EBADKEY;
    else if (exists && !S_ISREG(st.st_mode))
        exists = false; /* a directory is not a value */
    if (!rc && pc) {
        st_stat cur;
        if (exists) rc = fs_precond_stat(pc, k.dirfd, k.last, &st, &cur);
        if (!rc) rc = pc->check(pc, exists ? &cur : NULL);
    }
    if (!rc && exists && unlinkat(k.dirfd, k.last, 0)) rc = errno == ENOENT ? 0 : fs_errno(errno);
    fs_write_unlock(key);
    if (!rc && exists) {
        *existed = true;
        fs_sync(s, k.dirfd);
    }
    fs_locked_close(&k);
    if (!rc && exists) fs_prune(s, key);
    return rc;
}

/* ---- list ---- */

/* List directory fd (consumed) into out; rel is the path of this directory relative to the
 * listed prefix ("" or ending in '/'). */
static int fs_list_dir(int fd, char *rel, size_t rel_len, bool recursive, st_list *out)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return fs_errno(errno);
    }
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strncmp(name, ST_RESERVED_PREFIX, ST_RESERVED_PREFIX_LEN) == 0)
            continue;
        size_t nlen = strlen(name);
        if (rel_len + nlen + 1 > ZD_MAX_KEY) continue; /* could not be named by a key */
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW)) continue; /* vanished meanwhile */
        memcpy(rel + rel_len, name, nlen + 1);
        if (S_ISREG(st.st_mode)) {
            rc = st_list_add(out, rel, rel_len + nlen, (uint64_t)st.st_size, fs_mtime_ns(&st),
                             false);
        } else if (S_ISDIR(st.st_mode)) {
            if (!recursive) {
                rc = st_list_add(out, rel, rel_len + nlen, 0, fs_mtime_ns(&st), true);
                continue;
            }
            int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            rel[rel_len + nlen] = '/';
            rel[rel_len + nlen + 1] = '\0';
            rc = fs_list_dir(sub, rel, rel_len + nlen + 1, true, out);
        }
    }
    closedir(d);
    return rc;
}

static int fs_list(st_store *base, const char *prefix, bool recursive, st_list *out)
{
    fs_store *s = (fs_store *)base;
    int fd = prefix[0] ? fs_open_beneath(s, s->root_fd, prefix, O_RDONLY | O_DIRECTORY, 0)
                       : openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int rc = fs_errno(-fd);
        return rc == ZD_ENOTFOUND ? 0 : rc; /* nothing below: an empty listing */
    }
    char rel[ZD_MAX_KEY + 2] = "";
    return fs_list_dir(fd, rel, 0, recursive, out);
}

/* --fsync batch: one syncfs(2) makes every file and rename on the root's filesystem durable. */
static int fs_sync_all(st_store *base)
{
    fs_store *s = (fs_store *)base;
    mt_event(MT_EV_FSYNC);
    return syncfs(s->root_fd) ? fs_errno(errno) : 0;
}

/* ---- lifecycle ---- */

static void fs_destroy(st_store *base)
{
    fs_store *s = (fs_store *)base;
    close(s->root_fd);
    free(s);
}

/* mkdir -p for the root directory itself (given by the operator, may be absolute). */
static int fs_mkdir_p(const char *root)
{
    char path[4096];
    if (strlen(root) >= sizeof path) return ZD_EINVAL;
    strcpy(path, root);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) && errno != EEXIST) return ZD_EIO;
        *p = '/';
    }
    if (mkdir(path, 0755) && errno != EEXIST) return ZD_EIO;
    return 0;
}

/* Remove temp files a crashed server left in the root directory. */
static void fs_clean_root(fs_store *s)
{
    int fd = openat(s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, ST_RESERVED_PREFIX "tmp-", ST_RESERVED_PREFIX_LEN + 4) == 0)
            unlinkat(s->root_fd, e->d_name, 0);
    closedir(d);
}

int st_fs_create(const char *root, int fsync_mode, st_store **out)
{
    int rc = fs_mkdir_p(root);
    if (rc) return rc;
    fs_store *s = calloc(1, sizeof *s);
    if (!s) return ZD_ENOMEM;
    s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) {
        free(s);
        return ZD_EIO;
    }
    s->fsync_mode = fsync_mode;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    long probe = syscall(SYS_openat2, s->root_fd, ".", &how, sizeof how);
    s->openat2_ok = probe >= 0;
    if (probe >= 0) close((int)probe);
    s->base = (st_store){.kind = "fs",
                         .keeps_meta = fs_meta_probe(s->root_fd),
                         .stat = fs_stat,
                         .open_read = fs_open_read,
                         .put_begin = fs_put_begin,
                         .patch_begin = fs_patch_begin,
                         .patch_many = fs_patch_many,
                         .remove = fs_remove,
                         .list = fs_list,
                         .iter_open = fs_iter_open,
                         .mkdir = fs_mkdir,
                         .rmdir = fs_rmdir,
                         .stat_dir = fs_stat_dir,
                         .sync_all = fsync_mode == OPT_FSYNC_BATCH ? fs_sync_all : NULL,
                         .destroy = fs_destroy};
    fs_clean_root(s);
    *out = &s->base;
    return 0;
}
