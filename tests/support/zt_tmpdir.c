/* zt_tmpdir.c: temporary directories for tests (see zt_tmpdir.h). Walks use nftw with
 * FTW_PHYS so a symlink planted by a test is removed, never followed. */
#include "zt_tmpdir.h"

#include "zd_error.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int zt_tmpdir_create(char *out, size_t cap)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    int n = snprintf(out, cap, "%s/zarrd-test.XXXXXX", base);
    if (n < 0 || (size_t)n >= cap) return ZD_EOVERFLOW;
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
