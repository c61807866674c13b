/* store_mem_dir.c: directories made by mkdir in the memory store (see store.h). A directory
 * entry of the table normally exists while values are below it; one made by mkdir is marked
 * `kept` and counted in its parents like a value, so it stays when it is empty, and its
 * parents stay while it exists. */
#include "store_mem_internal.h"

#include "zd_error.h"

#include <string.h>

/* The parent of path[0..len) exists as a directory (the root always does). Lock held. */
static bool mem_parent_is_dir(mem_store *s, const char *path, size_t len)
{
    const char *slash = memrchr(path, '/', len);
    if (!slash) return true;
    mem_ent *p = *mem_find(s, path, (size_t)(slash - path));
    return p && !p->val;
}

int mem_mkdir(st_store *base, const char *path)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(path);
    if (len == 0) return ZD_ECONFLICT; /* the root */
    pthread_rwlock_wrlock(&s->lock);
    mem_ent **p = mem_find(s, path, len);
    int rc = *p                                 ? ((*p)->val ? ST_EISDIR : ZD_ECONFLICT)
             : !mem_parent_is_dir(s, path, len) ? ZD_ENOTFOUND
                                                : mem_dirs_adjust(s, path, len, 1);
    if (!rc) {
        mem_ent *e = mem_ent_add(s, mem_find(s, path, len), path, len, NULL);
        if (e)
            e->kept = true;
        else {
            mem_dirs_adjust(s, path, len, -1);
            rc = ZD_ENOMEM;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int mem_rmdir(st_store *base, const char *path)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(path);
    if (len == 0) return ZD_EINVAL;
    pthread_rwlock_wrlock(&s->lock);
    mem_ent **p = mem_find(s, path, len);
    int rc = !*p || (*p)->val ? ZD_ENOTFOUND : (*p)->below > 0 ? ZD_ECONFLICT : 0;
    if (!rc) { /* an empty directory entry is one made by mkdir */
        mem_ent_unlink(s, p);
        mem_dirs_adjust(s, path, len, -1);
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int mem_stat_dir(st_store *base, const char *path, uint64_t *mtime_ns)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(path);
    if (len == 0) {
        if (mtime_ns) *mtime_ns = 0;
        return 0;
    }
    pthread_rwlock_rdlock(&s->lock);
    mem_ent *e = *mem_find(s, path, len);
    bool dir = e && !e->val;
    if (dir && mtime_ns) *mtime_ns = e->mtime_ns;
    pthread_rwlock_unlock(&s->lock);
    return dir ? 0 : ZD_ENOTFOUND;
}
