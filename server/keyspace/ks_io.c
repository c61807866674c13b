/* ks_io.c: I/O and durability on the descriptors the key-space layer hands out (ks_root.h):
 * whole-buffer positional reads and writes (short transfers and EINTR retried), size changes,
 * copies, mtimes, fsync and syncfs, and the mapping of a file (the shard journal under --fsync
 * none). Every byte the server writes to a store file and every sync passes here, so an I/O
 * interposer (the power-loss test) has one place to hook -- except stores into a mapping,
 * which it cannot see (under --fsync none, which promises nothing on power loss). */
#include "ks_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KS_COPY_CHUNK (1u << 20)

static _Atomic uint64_t ks_syncs;

void ks_count_sync(void)
{
    atomic_fetch_add_explicit(&ks_syncs, 1, memory_order_relaxed);
}

uint64_t ks_syncs_total(void)
{
    return atomic_load_explicit(&ks_syncs, memory_order_relaxed);
}

int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ks_errno(errno);
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int ks_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ZD_EIO;
        if (n == 0) return ZD_ECORRUPT;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int ks_truncate(int fd, uint64_t size)
{
    if (size > INT64_MAX) return ZD_EOVERFLOW;
    return ftruncate(fd, (off_t)size) == 0 ? 0 : ks_errno(errno);
}

int ks_reserve(int fd, uint64_t from, uint64_t to)
{
    if (to <= from) return 0;
    if (to > INT64_MAX) return ZD_EOVERFLOW;
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)) == 0) return 0;
    return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : ks_errno(errno);
}

int ks_extend(int fd, uint64_t from, uint64_t to)
{
    if (to <= from) return 0;
    if (to > INT64_MAX) return ZD_EOVERFLOW;
    if (fallocate(fd, 0, (off_t)from, (off_t)(to - from)) == 0) return 0;
    return ks_errno(errno);
}

void *ks_map(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

void ks_unmap(void *map, size_t len)
{
    if (map) munmap(map, len);
}

void ks_map_release(void *map, size_t len)
{
    /* a shared file mapping: the pages' dirty state goes to the page cache, nothing is lost */
    if (len) madvise(map, len, MADV_DONTNEED);
}

/* The rest of a copy by read and write (no copy offload between these files). */
static int copy_by_hand(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len)
{
    char *buf = malloc(KS_COPY_CHUNK);
    if (!buf) return ZD_ENOMEM;
    int rc = 0;
    for (uint64_t done = 0; rc == 0 && done < len;) {
        size_t chunk = len - done > KS_COPY_CHUNK ? KS_COPY_CHUNK : (size_t)(len - done);
        rc = ks_pread_all(from, buf, chunk, from_off + done);
        if (rc == 0) rc = ks_pwrite_all(to, buf, chunk, to_off + done);
        done += chunk;
    }
    free(buf);
    return rc;
}

int ks_copy(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len)
{
    if (from_off > INT64_MAX || to_off > INT64_MAX) return ZD_EOVERFLOW;
    loff_t in = (loff_t)from_off, out = (loff_t)to_off;
    for (uint64_t done = 0; done < len;) {
        size_t want = len - done > (1u << 30) ? (1u << 30) : (size_t)(len - done);
        ssize_t n = copy_file_range(from, &in, to, &out, want, 0);
        if (n > 0) {
            done += (uint64_t)n;
            continue;
        }
        if (n == 0) return ZD_ECORRUPT; /* the source ended early */
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return ks_errno(errno);
        return copy_by_hand(from, from_off + done, to, to_off + done, len - done);
    }
    return 0;
}

int ks_set_mtime(int fd, uint64_t ns)
{
    struct timespec ts[2] = {
        {.tv_nsec = UTIME_OMIT},
        {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)}};
    return futimens(fd, ts) == 0 ? 0 : ks_errno(errno);
}

int ks_fsync(int fd, bool data_only)
{
    ks_count_sync();
    return (data_only ? fdatasync(fd) : fsync(fd)) == 0 ? 0 : ks_errno(errno);
}

int ks_syncfs(ks_root *ks)
{
    ks_count_sync();
    return syncfs(ks->root_fd) == 0 ? 0 : ks_errno(errno);
}
