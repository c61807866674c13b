/* shard_mem.c: the shard endpoints' backend over the memory store (see shard_mem.h). */
#include "shard_mem.h"

#include "keylock.h"
#include "shard_mem_cache.h"
#include "shard_mem_image.h"
#include "shard_meta.h"

#include <stdlib.h>
#include <string.h>

/* Plain writes that keep replacing a shard while a change is planned make it start over; after
 * this many tries the change is refused (409) rather than retried forever. */
#define MAX_TRIES 16

/* The value a change was planned on: installing requires it to be still current. */
typedef struct mem_base {
    bool present;
    char etag[ST_ETAG_MAX];
} mem_base;

static int base_is_current(const st_precond *pc, const st_stat *cur)
{
    const mem_base *b = pc->ctx;
    bool same = cur ? b->present && strcmp(cur->etag, b->etag) == 0 : !b->present;
    return same ? 0 : ZD_EPRECOND;
}

/* A store error as the engine would report it. */
static int store_error(int rc, const char *key, zd_error *err)
{
    switch (rc) {
    case ZD_EISDIR:
        return zd_error_set(err, ZD_ECONFLICT, "%s is a directory or lies below a value", key);
    case ZD_EBADKEY:
        return zd_error_set(err, ZD_EINVAL, "%s cannot be a shard key", key);
    case ZD_ENOSPC:
    case ZD_ENOMEM:
        return zd_error_set(err, ZD_ENOMEM, "no memory to store shard %s", key);
    default:
        return zd_error_set(err, rc, "memory store error %d on %s", rc, key);
    }
}

/* The outcome of a conditional store change: done, try again (ZD_EPRECOND), or an error. */
static int store_outcome(int rc, const char *key, zd_error *err)
{
    return rc == 0 || rc == ZD_EPRECOND ? rc : store_error(rc, key, err);
}

/* A zarr.json of the memory store, read on every lookup: values are immutable, so a rewritten
 * zarr.json is always seen (clients that send the Zarr-Shard header skip this). */
typedef struct mem_meta {
    st_store *s;
    sh_meta_array array;
} mem_meta;

static const sh_meta_array *mem_meta_get(void *ctx, const char *path)
{
    mem_meta *m = ctx;
    st_reader *r;
    st_stat st;
    if (m->s->open_read(m->s, path, &r, &st) != 0) return NULL;
    char *text = st.size <= SH_META_MAX_SIZE ? malloc((size_t)st.size + 1) : NULL;
    m->array.is_array = false;
    if (text && r->read(r, 0, text, (size_t)st.size) == 0)
        sh_meta_array_parse(text, (size_t)st.size, &m->array);
    free(text);
    r->close(r);
    return &m->array;
}

static int mem_layout(void *ctx, const char *key, sh_array_shard *out, zd_error *err)
{
    mem_meta m = {.s = ctx};
    return sh_meta_find(key, mem_meta_get, &m, out, err);
}

/* Index entries pos[0..n) of the shard r holds (version st), from the cache or decoded (and
 * cached), into at[]. */
static int chunk_entries(st_store *s, const char *key, st_reader *r, const st_stat *st,
                         const zd_shard_layout *l, const uint64_t *pos, size_t n,
                         zd_shard_entry *at, zd_error *err)
{
    const sh_mem_cached *c = sh_mem_cache_find(s, key, st->etag, l);
    if (c) {
        for (size_t i = 0; i < n; i++)
            at[i] = sh_mem_cached_file(c)->entries[pos[i]];
        sh_mem_cache_release(c);
        return 0;
    }
    sh_file *f;
    int rc = sh_mem_load(r, st->size, l, &f, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        at[i] = f->entries[pos[i]];
    sh_mem_cache_store(s, key, st->etag, f);
    return 0;
}

/* Chunk i's bytes from the value reader ctx, for sh_read_into. */
static int copy_from_value(void *ctx, size_t i, const zd_shard_entry *stored, uint8_t *dst,
                           zd_error *err)
{
    (void)i;
    st_reader *r = ctx;
    int rc = r->read(r, stored->offset, dst, (size_t)stored->nbytes);
    return rc ? zd_error_set(err, rc, "cannot read the inner chunk") : 0;
}

/* The shard r holds (version st; r NULL: none) as a private sh_file to plan on: a copy of the
 * cached one, or decoded. */
static int load_shard(st_store *s, const char *key, st_reader *r, const st_stat *st,
                      const zd_shard_layout *l, sh_file **out, zd_error *err)
{
    const sh_mem_cached *c = r ? sh_mem_cache_find(s, key, st->etag, l) : NULL;
    if (!c) return sh_mem_load(r, st->size, l, out, err);
    int rc = sh_mem_clone(sh_mem_cached_file(c), out, err);
    sh_mem_cache_release(c);
    return rc;
}

/* A version of the shard is one reader of the store's value: no lock is needed. */
static int mem_read(void *ctx, const char *key, const zd_shard_layout *l, const uint64_t *pos,
                    size_t n, zd_buf *out, zd_shard_entry *at, zd_error *err)
{
    st_store *s = ctx;
    for (size_t i = 0; i < n; i++) {
        if (pos[i] >= l->nchunks)
            return zd_error_set(err, ZD_ERANGE, "inner chunk %llu lies outside the shard",
                                (unsigned long long)pos[i]);
        at[i] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
    }
    st_reader *r;
    st_stat st;
    int rc = s->open_read(s, key, &r, &st);
    if (rc == ZD_ENOTFOUND) return 0;
    if (rc) return store_error(rc, key, err);
    if (st.size > 0) rc = chunk_entries(s, key, r, &st, l, pos, n, at, err);
    if (rc == 0) rc = sh_read_into(at, n, copy_from_value, r, out, err);
    r->close(r);
    return rc;
}

/* One try: read the current value, plan, install conditionally. ZD_EPRECOND: try again. */
static int apply_once(st_store *s, const char *key, const zd_shard_layout *l, const sh_op *ops,
                      size_t n, zd_error *err)
{
    st_reader *r = NULL;
    st_stat st = {0};
    mem_base base = {0};
    int rc = s->open_read(s, key, &r, &st);
    if (rc == ZD_ENOTFOUND) {
        r = NULL;
        rc = 0;
    } else if (rc) {
        return store_error(rc, key, err);
    } else {
        base.present = true;
        memcpy(base.etag, st.etag, sizeof base.etag);
    }
    st_precond pc = {.check = base_is_current, .ctx = &base};
    sh_file *f = NULL;
    sh_plan plan;
    bool compacted = false;
    memset(&plan, 0, sizeof plan);
    rc = load_shard(s, key, r, &st, l, &f, err);
    if (rc == 0) rc = sh_plan_build(f, ops, n, &plan, err);
    if (rc == 0 && plan.delete_file) {
        bool existed;
        rc = store_outcome(s->remove(s, key, &pc, &existed), key, err);
    } else if (rc == 0 && plan.changed) {
        uint8_t *image;
        size_t len;
        st_result res;
        rc = sh_mem_image(r, st.size, f, &plan, &image, &len, &compacted, err);
        if (rc == 0) rc = store_outcome(s->put_owned(s, key, image, len, &pc, &res), key, err);
        if (rc == 0 && !compacted) { /* f describes the new value: keep it for the next request */
            f->size = plan.new_size;
            sh_mem_cache_store(s, key, res.stat.etag, f);
            f = NULL;
        }
    }
    if (rc == 0) sh_plan_count(&plan, compacted); /* not for a try that starts over */
    sh_plan_dispose(&plan);
    sh_file_free(f);
    if (r) r->close(r);
    return rc;
}

static int mem_apply(void *ctx, const char *key, const zd_shard_layout *l, const sh_op *ops,
                     size_t n, bool may_block, zd_error *err)
{
    (void)may_block; /* nothing here blocks */
    int rc = sh_plan_check(l, ops, n, err);
    if (rc) return rc;
    st_store *s = ctx;
    size_t klen = strlen(key);
    kl_lock(s->keys, key, klen);
    rc = ZD_EPRECOND;
    for (int i = 0; i < MAX_TRIES && rc == ZD_EPRECOND; i++)
        rc = apply_once(s, key, l, ops, n, err);
    kl_unlock(s->keys, key, klen);
    if (rc == ZD_EPRECOND)
        rc = zd_error_set(err, ZD_ECONFLICT, "plain writes kept replacing shard %s", key);
    return rc;
}

static uint64_t mem_trim(void *ctx, uint64_t want)
{
    (void)ctx;
    (void)want;
    return sh_mem_cache_trim();
}

void sh_mem_backend(st_store *store, sh_backend *out)
{
    *out = (sh_backend){
        .ctx = store, .layout = mem_layout, .read = mem_read, .apply = mem_apply, .trim = mem_trim};
}
