/* pd_fs.c: temp-file counting and tmpfs mounts for the production tests (see pd_fs.h). */
#include "pd_fs.h"

#include "zd_error.h"
#include "zt_tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#define PD_TEMP_PREFIX  ".zarrd-tmp-"      /* temp files of older versions, beside keys */
#define PD_STAGING_PART "/.zarrd-staging/" /* every file in the staging area is a temp file */

static long pd_temp_count; /* nftw has no user pointer, so pd_temp_files is not thread-safe */

static int pd_count_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    if (strncmp(path + ftw->base, PD_TEMP_PREFIX, strlen(PD_TEMP_PREFIX)) == 0 ||
        (type == FTW_F && strstr(path, PD_STAGING_PART)))
        pd_temp_count++;
    return 0;
}

long pd_temp_files(const char *dir)
{
    pd_temp_count = 0;
    if (nftw(dir, pd_count_one, 16, FTW_PHYS) != 0) return -1;
    return pd_temp_count;
}

long pd_temp_files_settle(const char *dir, int timeout_ms)
{
    long n = pd_temp_files(dir);
    for (int waited = 0; n != 0 && waited < timeout_ms; waited += 20) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        n = pd_temp_files(dir);
    }
    return n;
}

int pd_tmpfs_mount(char *out, size_t cap, unsigned size_kib)
{
    if (zt_tmpdir_create(out, cap)) return ZD_EIO;
    char opts[64];
    snprintf(opts, sizeof opts, "size=%uk,mode=0700", size_kib);
    if (mount("tmpfs", out, "tmpfs", MS_NOSUID | MS_NODEV, opts) == 0) return 0;
    int e = errno;
    rmdir(out);
    return e == EPERM || e == EACCES ? ZD_EUNSUPPORTED : ZD_EIO;
}

int pd_tmpfs_set_readonly(const char *dir, bool readonly)
{
    unsigned long flags = MS_REMOUNT | MS_NOSUID | MS_NODEV | (readonly ? MS_RDONLY : 0);
    return mount("tmpfs", dir, "tmpfs", flags, NULL) == 0 ? 0 : ZD_EIO;
}

void pd_tmpfs_unmount(const char *dir)
{
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}
