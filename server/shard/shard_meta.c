/* shard_meta.c: shard layouts from zarr.json (see shard_meta.h). The cache is a small array
 * of parsed files searched linearly (a server sees a handful of arrays at a time); when full,
 * the least recently used entry is replaced. */
#include "shard_meta.h"

#include "shard_io.h"
#include "zd_codec.h"
#include "zd_grid.h"
#include "zd_meta.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_CACHE 64

typedef struct meta_entry {
    char path[ZD_MAX_KEY + 16]; /* root-relative path of the zarr.json; "" = unused */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t used;       /* LRU clock */
    sh_meta_array array; /* what the file says */
} meta_entry;

struct sh_meta {
    ks_root *ks;
    pthread_mutex_t mu;
    uint64_t clock;
    meta_entry entries[META_CACHE];
};

int sh_meta_new(sh_meta **out, ks_root *ks)
{
    sh_meta *m = calloc(1, sizeof *m);
    if (!m) return ZD_ENOMEM;
    m->ks = ks;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return 0;
}

void sh_meta_free(sh_meta *m)
{
    if (!m) return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* What the codecs say about sharding. */
static void describe_codecs(const zd_meta *meta, sh_meta_array *a)
{
    zd_chunk_spec spec;
    zd_codec_chain *chain = NULL;
    zd_error err = {0};
    a->sharded = false;
    if (zd_meta_chunk_spec(meta, &spec) != 0 ||
        zd_codec_chain_new(meta->codecs, &spec, &chain, &err) != 0) {
        snprintf(a->why, sizeof a->why, "the array's codecs are invalid: %.200s", err.msg);
        return;
    }
    const zd_shard_layout *l = zd_codec_chain_shard_layout(chain);
    if (!l) {
        snprintf(a->why, sizeof a->why, "the array's codecs are not sharding_indexed");
    } else {
        a->sharded = true;
        a->shard.layout = *l;
        uint64_t n = 0;
        a->shard.fixed_chunk_bytes =
            zd_codec_chain_fixed_size(zd_codec_chain_inner(chain), &n) ? n : 0;
    }
    zd_codec_chain_free(chain);
}

void sh_meta_array_parse(const char *text, size_t len, sh_meta_array *out)
{
    zd_meta *meta = NULL;
    out->is_array = false;
    if (len <= SH_META_MAX_SIZE && zd_meta_parse(text, len, &meta, NULL) == 0 &&
        meta->node_type == ZD_NODE_ARRAY && zd_meta_grid(meta, &out->grid) == 0) {
        out->is_array = true;
        out->enc = meta->key_encoding;
        describe_codecs(meta, out);
    }
    zd_meta_free(meta);
}

/* Parse the zarr.json open as fd into a. */
static void parse_file(int fd, const struct stat *st, sh_meta_array *a)
{
    a->is_array = false;
    if (st->st_size > SH_META_MAX_SIZE) return;
    char *text = malloc((size_t)st->st_size + 1);
    if (text && sh_io_pread_all(fd, text, (size_t)st->st_size, 0, NULL) == 0)
        sh_meta_array_parse(text, (size_t)st->st_size, a);
    free(text);
}

/* The cache entry for the zarr.json at path, parsed again if the file changed; NULL if there
 * is no such file (or it cannot be read: a symbolic link, a special file). Caller holds mu. */
static meta_entry *entry_for(sh_meta *m, const char *path)
{
    int fd;
    struct stat st;
    if (ks_open_read(m->ks, path, &fd, &st) != 0) return NULL;
    meta_entry *e = NULL, *victim = &m->entries[0];
    for (int i = 0; i < META_CACHE && !e; i++) {
        if (strcmp(m->entries[i].path, path) == 0)
            e = &m->entries[i];
        else if (m->entries[i].used < victim->used)
            victim = &m->entries[i];
    }
    bool fresh = e && e->dev == st.st_dev && e->ino == st.st_ino && e->size == st.st_size &&
                 e->mtime.tv_sec == st.st_mtim.tv_sec && e->mtime.tv_nsec == st.st_mtim.tv_nsec;
    if (!fresh) {
        if (!e) {
            e = victim;
            snprintf(e->path, sizeof e->path, "%s", path);
        }
        e->dev = st.st_dev;
        e->ino = st.st_ino;
        e->size = st.st_size;
        e->mtime = st.st_mtim;
        parse_file(fd, &st, &e->array);
    }
    close(fd);
    e->used = ++m->clock;
    return e;
}

int sh_meta_find(const char *key, sh_meta_get_fn get, void *ctx, sh_array_shard *out, zd_error *err)
{
    size_t klen = strlen(key);
    if (klen > ZD_MAX_KEY) return zd_error_set(err, ZD_ENOTFOUND, "key too long");
    int rc = ZD_ENOTFOUND;
    /* Array prefixes from the deepest ancestor of key up to the root (prefix length 0). */
    for (size_t plen = klen; rc == ZD_ENOTFOUND;) {
        while (plen > 0 && key[plen - 1] != '/')
            plen--;
        char path[ZD_MAX_KEY + 16];
        snprintf(path, sizeof path, "%.*szarr.json", (int)plen, key);
        const sh_meta_array *a = get(ctx, path);
        uint64_t coords[ZD_MAX_DIMS];
        if (a && a->is_array &&
            zd_grid_key_decode(&a->grid, &a->enc, key + plen, klen - plen, coords, NULL) == 0) {
            if (a->sharded) *out = a->shard;
            rc = a->sharded ? 0 : zd_error_set(err, ZD_EUNSUPPORTED, "%s", a->why);
        }
        if (plen == 0) break;
        plen--; /* drop the '/' */
    }
    return rc == ZD_ENOTFOUND
               ? zd_error_set(err, rc, "no Zarr-Shard header and no array has %s as a chunk key",
                              key)
               : rc;
}

static const sh_meta_array *cached_array(void *ctx, const char *path)
{
    meta_entry *e = entry_for(ctx, path);
    return e ? &e->array : NULL;
}

int sh_meta_lookup(sh_meta *m, const char *key, sh_array_shard *out, zd_error *err)
{
    pthread_mutex_lock(&m->mu);
    int rc = sh_meta_find(key, cached_array, m, out, err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}
