/* ks_root.c: the root object, values by key, file identities, the staging area and the
 * server-private files (see ks_root.h). */
#include "ks_internal.h"

#include "zd_limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- opening the root ---- */

/* mkdir -p for the root directory itself (given by the operator, may be absolute). */
static int mkdir_p(const char *root)
{
    char path[4096];
    if (strlen(root) >= sizeof path) return ZD_EINVAL;
    strcpy(path, root);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(path, 0755) && errno != EEXIST) return ks_errno(errno);
        *p = '/';
    }
    if (mkdir(path, 0755) && errno != EEXIST) return ks_errno(errno);
    return 0;
}

/* Remove everything below directory fd (consumed), depth first; depth bounds the recursion. */
static void remove_below(int fd, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno != EISDIR || depth == 0) continue;
        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) remove_below(sub, depth - 1);
        unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

/* Remove the names in directory dir (of the root) that start with prefix. */
static void remove_matching(int root_fd, const char *dir, const char *prefix)
{
    int fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
}

/* Empty the staging area, and remove the temp files of older versions (.zarrd-tmp-* in the
 * root, .zarrd-shards/tmp.*) where they could be found. */
static void reclaim(ks_root *ks)
{
    int fd = openat(ks->root_fd, KS_STAGING_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) remove_below(fd, 8);
    remove_matching(ks->root_fd, ".", KS_PRIVATE_PREFIX "tmp-");
    remove_matching(ks->root_fd, KS_PRIVATE_PREFIX "shards", "tmp.");
}

static int sync_root(void *ctx)
{
    return ks_syncfs(ctx);
}

int ks_commit_batch(ks_root *ks)
{
    return ks->batch ? ks_group_wait(ks->batch, ks_group_ticket(ks->batch)) : 0;
}

int ks_root_open(const char *path, const ks_opts *opts, ks_root **out, zd_error *err)
{
    int rc = mkdir_p(path);
    if (rc) return zd_error_set(err, rc, "cannot create %s: %s", path, strerror(errno));
    ks_root *ks = calloc(1, sizeof *ks);
    if (!ks) return zd_error_set(err, ZD_ENOMEM, "no memory for the key space");
    ks->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (ks->root_fd < 0 || fstat(ks->root_fd, &st) != 0) {
        rc = zd_error_set(err, ks_errno(errno), "cannot open %s: %s", path, strerror(errno));
        if (ks->root_fd >= 0) close(ks->root_fd);
        free(ks);
        return rc;
    }
    ks->dev = st.st_dev;
    ks->fsync = opts ? opts->fsync : KS_FSYNC_NONE;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
    long probe = syscall(SYS_openat2, ks->root_fd, ".", &how, sizeof how);
    ks->openat2 = probe >= 0 && !(opts && opts->walk);
    if (probe >= 0) close((int)probe);
    ks->pid = (int)getpid();
    ks->tmpfile = opts ? opts->tmpfile : KS_TMPFILE_AUTO;
    pthread_mutex_init(&ks->staging_mu, NULL);
    atomic_init(&ks->staging_fd, -1);
    if (ks->fsync == KS_FSYNC_BATCH && ks_group_new(&ks->batch, sync_root, ks) != 0) {
        close(ks->root_fd);
        free(ks);
        return zd_error_set(err, ZD_ENOMEM, "no memory for the key space");
    }
    reclaim(ks);
    *out = ks;
    return 0;
}

void ks_root_close(ks_root *ks)
{
    if (!ks) return;
    int sfd = atomic_load(&ks->staging_fd);
    if (sfd >= 0) close(sfd);
    ks_group_free(ks->batch);
    pthread_mutex_destroy(&ks->staging_mu);
    close(ks->root_fd);
    free(ks);
}

ks_fsync_mode ks_fsync_mode_of(const ks_root *ks)
{
    return ks->fsync;
}

bool ks_walks(const ks_root *ks)
{
    return !ks->openat2;
}

/* ---- values by key ---- */

/* Check the key's shape (keys arrive validated; the journal's and lookups' too): relative, no
 * empty, "." or ".." segment, at most ZD_MAX_KEY bytes. */
static bool key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > ZD_MAX_KEY || key[0] == '/' || key[n - 1] == '/') return false;
    for (const char *s = key; s;) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        s = slash ? slash + 1 : NULL;
    }
    return true;
}

/* Check what an open fd is: a regular file (one hard link for writing), else the code. */
static int check_value(int fd, bool write, struct stat *st)
{
    if (fstat(fd, st) != 0) return ks_errno(errno);
    if (S_ISDIR(st->st_mode)) return ZD_EISDIR;
    if (!S_ISREG(st->st_mode)) return ZD_EBADKEY;
    if (write && st->st_nlink > 1) return ZD_ELINKED;
    return 0;
}

/* Special files are opened without blocking (a FIFO would wait for a writer) and refused. */
#define KS_VALUE_FLAGS (O_NONBLOCK | O_NOCTTY)

static int open_value(ks_root *ks, const char *key, bool write, int *fd, struct stat *st)
{
    if (!key_ok(key)) return ZD_EBADKEY;
    /* Reads do not update the access time (no journal handle for an atime write on the read
     * path); O_NOATIME needs the file's owner (EPERM otherwise: then an ordinary open). */
    int flags = (write ? O_RDWR : O_RDONLY | O_NOATIME) | KS_VALUE_FLAGS;
    int f = ks_resolve(ks, ks->root_fd, key, flags);
    if (f == -EPERM && !write) f = ks_resolve(ks, ks->root_fd, key, flags & ~O_NOATIME);
    if (f < 0) {
        errno = -f;
        return ks_errno(-f);
    }
    int rc = check_value(f, write, st);
    if (rc) {
        close(f);
        return rc;
    }
    *fd = f;
    return 0;
}

int ks_open_read(ks_root *ks, const char *key, int *fd, struct stat *st)
{
    return open_value(ks, key, false, fd, st);
}

int ks_open_write(ks_root *ks, const char *key, int *fd, struct stat *st)
{
    return open_value(ks, key, true, fd, st);
}

int ks_entry_open_file(const ks_entry *e, bool write, int *fd, struct stat *st)
{
    int f = openat(e->dirfd, e->name,
                   (write ? O_RDWR : O_RDONLY) | KS_VALUE_FLAGS | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return ks_errno(errno);
    int rc = check_value(f, write, st);
    if (rc) {
        close(f);
        return rc;
    }
    *fd = f;
    return 0;
}

int ks_stat(ks_root *ks, const char *key, struct stat *st)
{
    if (!key_ok(key)) return ZD_EBADKEY;
    int fd = ks_resolve(ks, ks->root_fd, key, O_PATH);
    if (fd < 0) {
        errno = -fd;
        return ks_errno(-fd);
    }
    int rc = fstat(fd, st) == 0 ? 0 : ks_errno(errno);
    close(fd);
    return rc;
}

/* ---- identities ---- */

int ks_id_of_fd(int fd, ks_id *out)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_BTIME, &stx) != 0) return ks_errno(errno);
    out->ino = stx.stx_ino;
    out->birth_ns = (stx.stx_mask & STATX_BTIME)
                        ? (uint64_t)stx.stx_btime.tv_sec * 1000000000u + stx.stx_btime.tv_nsec
                        : 0;
    return 0;
}

bool ks_fd_named(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_nlink > 0;
}

int ks_id_of_key(ks_root *ks, const char *key, ks_id *out)
{
    if (!key_ok(key)) return ZD_EBADKEY;
    int fd = ks_resolve(ks, ks->root_fd, key, O_PATH);
    if (fd < 0) {
        errno = -fd;
        return ks_errno(-fd);
    }
    int rc = ks_id_of_fd(fd, out);
    close(fd);
    return rc;
}

bool ks_id_equal(const ks_id *a, const ks_id *b)
{
    return a->ino == b->ino && a->birth_ns == b->birth_ns;
}

/* ---- staging ---- */

/* Link the unnamed file fd at dirfd/name the way `way`: 0 or -1 with errno. */
static int link_by(ks_link_way way, int fd, int dirfd, const char *name)
{
    if (way == KS_LINK_EMPTY_PATH) return linkat(fd, "", dirfd, name, AT_EMPTY_PATH);
    char self[40];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, self, dirfd, name, AT_SYMLINK_FOLLOW);
}

bool ks_links_unnamed(const ks_root *ks)
{
    return atomic_load_explicit(&ks->staging_fd, memory_order_acquire) >= 0 &&
           ks->link_way != KS_LINK_NONE;
}

int ks_link_unnamed(const ks_root *ks, int fd, int dirfd, const char *name)
{
    return link_by(ks->link_way, fd, dirfd, name);
}

/* A fresh name in the staging directory. */
static void temp_name(ks_root *ks, char name[KS_TEMP_NAME_MAX])
{
    snprintf(name, KS_TEMP_NAME_MAX, "tmp-%x-%" PRIx64, (unsigned)ks->pid,
             atomic_fetch_add(&ks->temp_counter, 1));
}

/* Which ks_link_way works in the staging directory sfd: the first that links a probe. */
static ks_link_way probe_link_way(ks_root *ks, int sfd)
{
    int fd = openat(sfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return KS_LINK_NONE;
    char name[KS_TEMP_NAME_MAX];
    temp_name(ks, name);
    ks_link_way way = ks->tmpfile == KS_TMPFILE_PROC ? KS_LINK_PROC : KS_LINK_EMPTY_PATH;
    while (way <= KS_LINK_PROC && link_by(way, fd, sfd, name) != 0)
        way++;
    if (way <= KS_LINK_PROC) unlinkat(sfd, name, 0);
    close(fd);
    return way <= KS_LINK_PROC ? way : KS_LINK_NONE;
}

/* Make the staging directory, open it and probe how unnamed files are linked there; caller
 * holds staging_mu. */
static int open_staging(ks_root *ks)
{
    if (mkdirat(ks->root_fd, KS_STAGING_DIR, 0700) != 0 && errno != EEXIST) return ks_errno(errno);
    int fd = ks_resolve(ks, ks->root_fd, KS_STAGING_DIR, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        errno = -fd;
        return ks_errno(-fd);
    }
    ks->link_way = ks->tmpfile == KS_TMPFILE_OFF ? KS_LINK_NONE : probe_link_way(ks, fd);
    atomic_store_explicit(&ks->staging_fd, fd, memory_order_release);
    return fd;
}

int ks_staging(ks_root *ks)
{
    int fd = atomic_load_explicit(&ks->staging_fd, memory_order_acquire);
    if (fd >= 0) return fd;
    pthread_mutex_lock(&ks->staging_mu);
    fd = atomic_load(&ks->staging_fd);
    if (fd < 0) fd = open_staging(ks);
    pthread_mutex_unlock(&ks->staging_mu);
    return fd;
}

int ks_temp_create(ks_root *ks, ks_temp *t)
{
    t->fd = -1;
    t->unnamed = false;
    t->name[0] = '\0';
    int sfd = ks_staging(ks);
    if (sfd < 0) return sfd;
    if (ks->link_way != KS_LINK_NONE &&
        (t->fd = openat(sfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644)) >= 0) {
        t->unnamed = true;
        return 0;
    }
    for (int tries = 0; tries < 16; tries++) {
        temp_name(ks, t->name);
        t->fd = openat(sfd, t->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (t->fd >= 0) return 0;
        if (errno != EEXIST) break;
    }
    t->name[0] = '\0';
    return ks_errno(errno);
}

int ks_temp_name(ks_root *ks, ks_temp *t)
{
    if (!t->unnamed) return 0;
    int sfd = atomic_load(&ks->staging_fd);
    for (int tries = 0; tries < 16; tries++) {
        temp_name(ks, t->name);
        if (ks_link_unnamed(ks, t->fd, sfd, t->name) == 0) {
            t->unnamed = false;
            return 0;
        }
        if (errno != EEXIST) break;
    }
    t->name[0] = '\0';
    return ks_errno(errno);
}

void ks_temp_discard(ks_root *ks, ks_temp *t)
{
    int e = errno;
    if (t->fd >= 0) close(t->fd);
    int sfd = atomic_load(&ks->staging_fd);
    if (t->name[0] && sfd >= 0) unlinkat(sfd, t->name, 0);
    t->fd = -1;
    t->unnamed = false;
    t->name[0] = '\0';
    errno = e;
}

int ks_spool_create(ks_root *ks, int *fd)
{
    ks_temp t;
    int rc = ks_temp_create(ks, &t);
    if (rc) return rc;
    if (t.name[0]) unlinkat(atomic_load(&ks->staging_fd), t.name, 0);
    *fd = t.fd;
    return 0;
}

/* ---- server-private files ---- */

/* The directory of a private path ".zarrd-DIR/NAME" (made with create), opened beneath the
 * root (readable, so it can also be synced), and NAME. 0 or a ZD_E* code. */
static int private_dir(ks_root *ks, const char *path, bool create, int *dirfd, const char **name)
{
    const char *slash = strchr(path, '/');
    size_t plen = strlen(KS_PRIVATE_PREFIX);
    if (strncmp(path, KS_PRIVATE_PREFIX, plen) != 0 || !slash || strchr(slash + 1, '/') ||
        !slash[1] || (size_t)(slash - path) > ZD_MAX_KEY)
        return ZD_EBADKEY;
    char dir[ZD_MAX_KEY + 1];
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    if (create && mkdirat(ks->root_fd, dir, 0700) != 0 && errno != EEXIST) return ks_errno(errno);
    int d = ks_resolve(ks, ks->root_fd, dir, O_RDONLY | O_DIRECTORY);
    if (d < 0) {
        errno = -d;
        return ks_errno(-d);
    }
    *dirfd = d;
    *name = slash + 1;
    return 0;
}

int ks_private_rename(ks_root *ks, const char *from, const char *to)
{
    const char *fname, *tname, *fs = strchr(from, '/'), *ts = strchr(to, '/');
    if (!fs || !ts || fs - from != ts - to || strncmp(from, to, (size_t)(fs - from)) != 0)
        return ZD_EBADKEY; /* one directory */
    int d, rc = private_dir(ks, from, false, &d, &fname);
    if (rc) return rc;
    tname = ts + 1;
    rc = renameat(d, fname, d, tname) == 0 ? 0 : ks_errno(errno);
    close(d);
    return rc;
}

int ks_private_open(ks_root *ks, const char *path, bool create, int *fd)
{
    const char *name;
    int d, rc = private_dir(ks, path, create, &d, &name);
    if (rc) return rc;
    int f = openat(d, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    rc = f >= 0 ? 0 : ks_errno(errno);
    struct stat st;
    if (rc == 0 && (rc = check_value(f, true, &st)) != 0) close(f);
    /* A created file (the shard journal's) must still be there after a power cut once a
     * record in it is durable: its directory's entry, and the directory's in the root, are
     * synced now (a file's fdatasync alone does not promise its name; found by powercut). */
    if (rc == 0 && create && ks->fsync != KS_FSYNC_NONE &&
        (ks_fsync(d, false) != 0 || ks_fsync(ks->root_fd, false) != 0)) {
        rc = ks_errno(errno);
        close(f);
    }
    close(d);
    if (rc == 0) *fd = f;
    return rc;
}
