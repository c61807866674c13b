/* pc_trace.c: an LD_PRELOAD library for the power-loss test (powercut.c). Loaded into zarrd,
 * it records every operation that changes the file system -- file and directory creation
 * (O_TMPFILE's unnamed files too), link, rename, unlink, writes (with their bytes), size changes --
 * and every durability barrier (fsync, fdatasync, syncfs), in the order they take effect, into the
 * file named by $PC_TRACE. Files are named by inode number, so the test can rebuild any state the
 * file system could be in after a power cut from the record alone.
 *
 * Each interposed call takes one process-wide mutex around the real call and its record, so the
 * records are in the order the calls happened. Calls on anything but regular files and
 * directories (sockets, pipes) pass straight through. Record layout (native endianness, the
 * test reads it on the same machine): pc_rec header, then `len` bytes (a name, two names, or
 * written data), see pc_trace.h. */
#include "pc_trace.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t pc_mu = PTHREAD_MUTEX_INITIALIZER;
static int pc_fd = -1;
static uint64_t pc_seq;

#define REAL(name, ret, ...)                                                                       \
    static ret (*real_##name)(__VA_ARGS__);                                                        \
    if (!real_##name) real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void pc_init(void)
{
    const char *path = getenv("PC_TRACE");
    if (!path) return;
    /* the raw system call: this library's own open must not be traced */
    pc_fd = (int)syscall(SYS_openat, AT_FDCWD, path,
                         O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
}

static uint64_t pc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Append one record (caller holds pc_mu). */
static void pc_emit(pc_rec *r, const void *a, size_t alen, const void *b, size_t blen)
{
    if (pc_fd < 0) return;
    r->magic = PC_MAGIC;
    r->seq = ++pc_seq;
    r->t_ns = pc_now();
    r->len = (uint32_t)(alen + blen);
    size_t n = sizeof *r + alen + blen;
    uint8_t *buf = malloc(n);
    if (!buf) return;
    memcpy(buf, r, sizeof *r);
    if (alen) memcpy(buf + sizeof *r, a, alen);
    if (blen) memcpy(buf + sizeof *r + alen, b, blen);
    for (size_t off = 0; off < n;) { /* the real write: syscall, not the interposed write */
        long w = syscall(SYS_write, pc_fd, buf + off, n - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    free(buf);
}

/* The inode of fd if it is a regular file (*dir false) or a directory (*dir true); 0 else. */
static uint64_t pc_ino(int fd, bool *dir)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return 0;
    *dir = S_ISDIR(st.st_mode);
    return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? (uint64_t)st.st_ino : 0;
}

/* The inode of name in directory dirfd (not following a last symbolic link), or 0. */
static uint64_t pc_ino_at(int dirfd, const char *name, bool *dir)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    *dir = S_ISDIR(st.st_mode);
    return (uint64_t)st.st_ino;
}

/* ---- creation ---- */

int openat(int dirfd, const char *path, int flags, ...)
{
    REAL(openat, int, int, const char *, int, ...);
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_TMPFILE) == O_TMPFILE && pc_fd >= 0) { /* a new file without a name */
        pthread_mutex_lock(&pc_mu);
        int fd = real_openat(dirfd, path, flags, mode);
        int e = errno;
        bool d;
        uint64_t dino = pc_ino(dirfd, &d), ino = pc_ino(fd, &d);
        if (fd >= 0 && dino && ino) {
            pc_rec r = {.type = PC_TMPFILE, .a = dino, .b = ino};
            pc_emit(&r, NULL, 0, NULL, 0);
        }
        pthread_mutex_unlock(&pc_mu);
        errno = e;
        return fd;
    }
    if (!(flags & O_CREAT) || pc_fd < 0 || strchr(path, '/'))
        return real_openat(dirfd, path, flags, mode);
    pthread_mutex_lock(&pc_mu);
    bool d;
    bool existed = pc_ino_at(dirfd, path, &d) != 0;
    int fd = real_openat(dirfd, path, flags, mode);
    int e = errno;
    uint64_t dino = pc_ino(dirfd, &d), ino = pc_ino(fd, &d);
    if (fd >= 0 && !existed && dino && ino) {
        pc_rec r = {.type = PC_CREATE, .a = dino, .b = ino};
        pc_emit(&r, path, strlen(path), NULL, 0);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return fd;
}
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    REAL(mkdirat, int, int, const char *, mode_t);
    if (pc_fd < 0 || strchr(path, '/')) return real_mkdirat(dirfd, path, mode);
    pthread_mutex_lock(&pc_mu);
    int rc = real_mkdirat(dirfd, path, mode);
    int e = errno;
    bool d;
    uint64_t dino = pc_ino(dirfd, &d), ino = rc == 0 ? pc_ino_at(dirfd, path, &d) : 0;
    if (rc == 0 && dino && ino) {
        pc_rec r = {.type = PC_MKDIR, .a = dino, .b = ino};
        pc_emit(&r, path, strlen(path), NULL, 0);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return rc;
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    REAL(renameat, int, int, const char *, int, const char *);
    if (pc_fd < 0) return real_renameat(olddirfd, oldpath, newdirfd, newpath);
    pthread_mutex_lock(&pc_mu);
    bool d;
    uint64_t ino = pc_ino_at(olddirfd, oldpath, &d);
    int rc = real_renameat(olddirfd, oldpath, newdirfd, newpath);
    int e = errno;
    if (rc == 0 && ino) {
        size_t ol = strlen(oldpath) + 1; /* both names, each with its NUL */
        pc_rec r = {
            .type = PC_RENAME, .a = pc_ino(olddirfd, &d), .b = pc_ino(newdirfd, &d), .c = ino};
        pc_emit(&r, oldpath, ol, newpath, strlen(newpath) + 1);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return rc;
}

/* A new name for an existing inode (an O_TMPFILE file's first): by descriptor (AT_EMPTY_PATH)
 * or through /proc/self/fd (AT_SYMLINK_FOLLOW). */
int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    REAL(linkat, int, int, const char *, int, const char *, int);
    if (pc_fd < 0 || strchr(newpath, '/'))
        return real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    pthread_mutex_lock(&pc_mu);
    struct stat st;
    int follow = flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW;
    bool known = fstatat(olddirfd, oldpath, &st, (flags & AT_EMPTY_PATH) | follow) == 0;
    int rc = real_linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    int e = errno;
    bool d;
    uint64_t dino = pc_ino(newdirfd, &d);
    if (rc == 0 && known && dino) {
        pc_rec r = {.type = PC_LINK, .a = dino, .b = (uint64_t)st.st_ino};
        pc_emit(&r, newpath, strlen(newpath), NULL, 0);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return rc;
}

int unlinkat(int dirfd, const char *path, int flags)
{
    REAL(unlinkat, int, int, const char *, int);
    if (pc_fd < 0) return real_unlinkat(dirfd, path, flags);
    pthread_mutex_lock(&pc_mu);
    bool d;
    uint64_t ino = pc_ino_at(dirfd, path, &d);
    int rc = real_unlinkat(dirfd, path, flags);
    int e = errno;
    if (rc == 0 && ino) {
        pc_rec r = {.type = PC_UNLINK, .a = pc_ino(dirfd, &d), .b = ino};
        pc_emit(&r, path, strlen(path), NULL, 0);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return rc;
}

/* ---- data ---- */

static void pc_data(uint64_t ino, uint64_t off, const void *data, size_t n)
{
    pc_rec r = {.type = PC_WRITE, .a = ino, .b = off};
    pc_emit(&r, data, n, NULL, 0);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
    bool d;
    if (pc_fd < 0 || fd == pc_fd) return real_pwrite(fd, buf, n, off);
    pthread_mutex_lock(&pc_mu);
    uint64_t ino = pc_ino(fd, &d);
    ssize_t w = real_pwrite(fd, buf, n, off);
    int e = errno;
    if (w > 0 && ino && !d) pc_data(ino, (uint64_t)off, buf, (size_t)w);
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return w;
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write, ssize_t, int, const void *, size_t);
    bool d = false;
    if (pc_fd < 0 || fd == pc_fd) return real_write(fd, buf, n);
    uint64_t ino = pc_ino(fd, &d);
    if (!ino || d) return real_write(fd, buf, n); /* sockets, pipes */
    pthread_mutex_lock(&pc_mu);
    off_t at = lseek(fd, 0, SEEK_CUR);
    int fl = fcntl(fd, F_GETFL);
    struct stat st;
    if (fl >= 0 && (fl & O_APPEND) && fstat(fd, &st) == 0) at = st.st_size;
    ssize_t w = real_write(fd, buf, n);
    int e = errno;
    if (w > 0 && at >= 0) pc_data(ino, (uint64_t)at, buf, (size_t)w);
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return w;
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t n, unsigned fl)
{
    REAL(copy_file_range, ssize_t, int, off_t *, int, off_t *, size_t, unsigned);
    bool d;
    if (pc_fd < 0) return real_copy_file_range(in, in_off, out, out_off, n, fl);
    pthread_mutex_lock(&pc_mu);
    uint64_t ino = pc_ino(out, &d);
    off_t src = in_off ? *in_off : lseek(in, 0, SEEK_CUR);
    off_t dst = out_off ? *out_off : lseek(out, 0, SEEK_CUR);
    ssize_t w = real_copy_file_range(in, in_off, out, out_off, n, fl);
    int e = errno;
    if (w > 0 && ino) { /* the bytes now at dst: read them back from the source */
        uint8_t *buf = malloc((size_t)w);
        if (buf && pread(in, buf, (size_t)w, src) == w) pc_data(ino, (uint64_t)dst, buf, (size_t)w);
        free(buf);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return w;
}

int ftruncate(int fd, off_t size)
{
    REAL(ftruncate, int, int, off_t);
    bool d;
    if (pc_fd < 0) return real_ftruncate(fd, size);
    pthread_mutex_lock(&pc_mu);
    int rc = real_ftruncate(fd, size);
    int e = errno;
    uint64_t ino = pc_ino(fd, &d);
    if (rc == 0 && ino) {
        pc_rec r = {.type = PC_TRUNC, .a = ino, .b = (uint64_t)size};
        pc_emit(&r, NULL, 0, NULL, 0);
    }
    pthread_mutex_unlock(&pc_mu);
    errno = e;
    return rc;
}
int ftruncate64(int fd, off_t size) __attribute__((alias("ftruncate")));

/* ---- barriers ---- */

static int pc_sync(int fd, int type, int (*real)(int))
{
    bool d = false;
    if (pc_fd < 0) return real(fd);
    uint64_t ino = pc_ino(fd, &d);
    /* the record follows the call: it marks when the barrier completed. The lock is not held
     * across the call (syncs are slow); what it covers is what was recorded before it began. */
    pthread_mutex_lock(&pc_mu);
    uint64_t before = pc_seq;
    pthread_mutex_unlock(&pc_mu);
    int rc = real(fd);
    int e = errno;
    if (rc == 0 && (ino || type == PC_SYNCFS)) {
        pthread_mutex_lock(&pc_mu);
        pc_rec r = {.type = (uint32_t)type, .a = ino, .b = before, .c = d};
        pc_emit(&r, NULL, 0, NULL, 0);
        pthread_mutex_unlock(&pc_mu);
    }
    errno = e;
    return rc;
}

int fsync(int fd)
{
    REAL(fsync, int, int);
    return pc_sync(fd, PC_FSYNC, real_fsync);
}

int fdatasync(int fd)
{
    REAL(fdatasync, int, int);
    return pc_sync(fd, PC_FSYNC, real_fdatasync);
}

int syncfs(int fd)
{
    REAL(syncfs, int, int);
    return pc_sync(fd, PC_SYNCFS, real_syncfs);
}
