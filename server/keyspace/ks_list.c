/* ks_list.c: listing a prefix of the key space (ks_root.h, ks_list): a readdir walk beneath
 * the root that names what a key could name. Server names (".zarrd-*"), symbolic links,
 * special files, other file systems and paths longer than a key are skipped; a directory that
 * vanishes meanwhile is skipped too (a listing is not a snapshot). */
#include "ks_internal.h"

#include "zd_limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct walker {
    const ks_root *ks;
    bool recursive;
    ks_list_fn fn;
    void *ctx;
    char rel[ZD_MAX_KEY + 2]; /* the path relative to the prefix being built */
} walker;

/* List directory fd (consumed); rel[0..rel_len) is its path relative to the prefix ("" or
 * ending in '/'). */
static int walk_dir(walker *w, int fd, size_t rel_len)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return ks_errno(errno);
    }
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strncmp(name, KS_PRIVATE_PREFIX, strlen(KS_PRIVATE_PREFIX)) == 0)
            continue;
        size_t nlen = strlen(name);
        if (rel_len + nlen + 1 > ZD_MAX_KEY) continue; /* no key could name it */
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != w->ks->dev)
            continue;
        memcpy(w->rel + rel_len, name, nlen + 1);
        if (S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && !w->recursive)) {
            rc = w->fn(w->ctx, w->rel, rel_len + nlen, &st);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            w->rel[rel_len + nlen] = '/';
            w->rel[rel_len + nlen + 1] = '\0';
            rc = walk_dir(w, sub, rel_len + nlen + 1);
        }
    }
    closedir(d);
    return rc;
}

int ks_list(ks_root *ks, const char *prefix, bool recursive, ks_list_fn fn, void *ctx)
{
    int fd = prefix[0] ? ks_resolve(ks, ks->root_fd, prefix, O_RDONLY | O_DIRECTORY)
                       : openat(ks->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = prefix[0] ? -fd : errno;
        errno = e;
        return e == ENOENT || e == ENOTDIR ? 0 : ks_errno(e); /* nothing below: no entries */
    }
    walker w = {.ks = ks, .recursive = recursive, .fn = fn, .ctx = ctx};
    return walk_dir(&w, fd, 0);
}
