/* zt_tmpdir.c: temporary directories for tests (see zt_tmpdir.h). Walks use nftw with
 * FTW_PHYS so a symlink planted by a test is removed, never followed. */
#include "zt_tmpdir.h"

#include "zd_error.h"
#include "zd_hash.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int zt_tmpdir_create(char *out, size_t cap)
{
    if (zt_tmp_path(out, cap, "zarrd-test.XXXXXX") < 0) return ZD_EOVERFLOW;
    return mkdtemp(out) ? 0 : ZD_EIO;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

int zt_tmpdir_remove(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : ZD_EIO;
}

static long walk_count;

static int count_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path;
    (void)st;
    (void)type;
    if (ftw->level > 0) walk_count++;
    return 0;
}

long zt_tmpdir_count(const char *path)
{
    walk_count = 0;
    if (nftw(path, count_entry, 16, FTW_PHYS) != 0) return -1;
    return walk_count;
}

static uint64_t tree_sum;
static size_t tree_base; /* length of the walked root's path */
static int tree_err;

/* Mix an entry's hash into the order-independent sum. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static int hash_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    const char *rel = path + tree_base;
    uint64_t meta[5] = {(uint64_t)type, st->st_mode, (uint64_t)st->st_size,
                        (uint64_t)st->st_mtim.tv_sec, (uint64_t)st->st_mtim.tv_nsec};
    uint64_t h = zd_hash_str(rel) ^ mix(zd_hash_mem(meta, sizeof meta));
    char buf[65536];
    if (type == FTW_SL) {
        ssize_t n = readlink(path, buf, sizeof buf);
        if (n < 0)
            tree_err = ZD_EIO;
        else
            h ^= mix(zd_hash_mem(buf, (size_t)n) + 1);
    } else if (type == FTW_F) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) tree_err = ZD_EIO;
        for (ssize_t n; fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0;)
            h = mix(h ^ zd_hash_mem(buf, (size_t)n));
        if (fd >= 0) close(fd);
    }
    tree_sum += mix(h);
    return 0;
}

int zt_tree_hash(const char *path, uint64_t *out)
{
    tree_sum = 0;
    tree_err = 0;
    tree_base = strlen(path);
    if (nftw(path, hash_entry, 16, FTW_PHYS) != 0 || tree_err) return ZD_EIO;
    *out = tree_sum;
    return 0;
}
