/* store.c: backend-independent helpers of the storage interface (see store.h). */
#include "store.h"

#include "zd_checked.h"
#include "zd_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ST_LIST_MAX (1u << 22) /* entries in one listing */

int st_list_add(st_list *l, const char *name, size_t len, bool dir, const st_stat *st)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        size_t bytes;
        if (cap > ST_LIST_MAX || !zd_mul_size(cap, sizeof *l->v, &bytes)) return ZD_EOVERFLOW;
        st_entry *v = realloc(l->v, bytes);
        if (!v) return ZD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *copy = malloc(len + 2);
    if (!copy) return ZD_ENOMEM;
    memcpy(copy, name, len);
    if (dir) copy[len++] = '/';
    copy[len] = '\0';
    st_entry *e = &l->v[l->n++];
    *e = (st_entry){.name = copy, .dir = dir};
    if (st) {
        e->size = st->size;
        e->mtime_ns = st->mtime_ns;
        memcpy(e->etag, st->etag, sizeof e->etag);
    }
    return 0;
}

void st_list_free(st_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    *l = (st_list){0};
}

static int st_entry_cmp(const void *a, const void *b)
{
    const st_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

void st_list_sort(st_list *l)
{
    if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, st_entry_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (kept && l->v[i].dir && strcmp(l->v[i].name, l->v[kept - 1].name) == 0) {
            free(l->v[i].name);
            continue;
        }
        l->v[kept++] = l->v[i];
    }
    l->n = kept;
}

bool st_writes_block(const st_store *s)
{
    return s->files && ks_fsync_mode_of(s->files) != KS_FSYNC_NONE;
}

bool st_key_reserved(const char *key, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (len - i >= ST_RESERVED_PREFIX_LEN &&
            memcmp(key + i, ST_RESERVED_PREFIX, ST_RESERVED_PREFIX_LEN) == 0)
            return true;
        const char *slash = memchr(key + i, '/', len - i);
        if (!slash) break;
        i = (size_t)(slash - key) + 1;
    }
    return false;
}

/* Every piece must start at or before the size the value has when it is applied. */
int st_patch_check(const st_patch *p, size_t n, uint64_t size)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t end;
        if (p[i].off > size) return ZD_ERANGE;
        if (__builtin_add_overflow(p[i].off, (uint64_t)p[i].len, &end) || end > INT64_MAX)
            return ZD_EOVERFLOW;
        if (end > size) size = end;
    }
    return 0;
}

void st_turn_end(void)
{
    ks_turn_end();
}
