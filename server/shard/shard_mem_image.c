/* shard_mem_image.c: shards as memory-store values (see shard_mem_image.h). */
#include "shard_mem_image.h"

#include "zd_checked.h"

#include <stdlib.h>
#include <string.h>

/* Compaction threshold, as the file engine's defaults (server/SHARDS.md). */
#define COMPACT_PERCENT  50u
#define COMPACT_MIN_DEAD ((uint64_t)1 << 20)

/* Read the index of the shard r holds (size > 0 bytes) into f, checked as for files. */
static int read_index(st_reader *r, uint64_t size, sh_file *f, zd_error *err)
{
    int rc = sh_index_fits(&f->layout, size, err);
    if (rc) return rc;
    size_t isz = zd_shard_index_size(&f->layout);
    uint8_t *buf = malloc(isz);
    if (!buf) return zd_error_set(err, ZD_ENOMEM, "no memory for a shard index");
    rc = r->read(r, zd_shard_index_offset(&f->layout, size), buf, isz);
    if (rc)
        zd_error_set(err, rc, "cannot read the shard index");
    else
        rc = sh_file_set_index(f, size, buf, err);
    free(buf);
    return rc;
}

static zd_shard_entry *new_entries(const zd_shard_layout *l, zd_error *err)
{
    zd_shard_entry *e = malloc((size_t)l->nchunks * sizeof *e);
    if (!e) zd_error_set(err, ZD_ENOMEM, "no memory for a shard index");
    return e;
}

int sh_mem_load(st_reader *r, uint64_t size, const zd_shard_layout *l, sh_file **out, zd_error *err)
{
    sh_file *f = calloc(1, sizeof *f);
    if (!f) return zd_error_set(err, ZD_ENOMEM, "no memory for a shard");
    f->layout = *l;
    f->fd = -1;
    f->entries = new_entries(l, err);
    if (!f->entries) {
        free(f);
        return ZD_ENOMEM;
    }
    int rc = 0;
    if (!r || size == 0)
        sh_file_reset_absent(f); /* no chunks, no data region */
    else
        rc = read_index(r, size, f, err);
    if (rc) {
        sh_file_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* The live chunks of shard (as f describes it) in C order, then the index: what a fresh
 * whole-shard write of the same chunks holds. */
static int compact(const sh_file *f, const uint8_t *shard, uint8_t **out, size_t *len)
{
    const zd_shard_layout *l = &f->layout;
    size_t isz = zd_shard_index_size(l);
    uint64_t live = 0;
    for (uint64_t i = 0; i < l->nchunks; i++)
        if (f->entries[i].offset != ZD_SHARD_EMPTY) live += f->entries[i].nbytes;
    size_t size = (size_t)live + isz; /* live < the old size, which is a size_t */
    zd_shard_entry *entries = new_entries(l, NULL);
    uint8_t *buf = entries ? malloc(size) : NULL;
    if (!buf) {
        free(entries);
        return ZD_ENOMEM;
    }
    uint64_t at = l->index_at_end ? 0 : isz;
    for (uint64_t i = 0; i < l->nchunks; i++) {
        entries[i] = f->entries[i];
        if (entries[i].offset == ZD_SHARD_EMPTY) continue;
        memcpy(buf + at, shard + entries[i].offset, (size_t)entries[i].nbytes);
        entries[i].offset = at;
        at += entries[i].nbytes;
    }
    zd_shard_index_encode(l, entries, buf + zd_shard_index_offset(l, size));
    free(entries);
    *out = buf;
    *len = size;
    return 0;
}

int sh_mem_clone(const sh_file *f, sh_file **out, zd_error *err)
{
    sh_file *c = malloc(sizeof *c);
    if (!c) return zd_error_set(err, ZD_ENOMEM, "no memory for a shard");
    *c = *f;
    c->entries = new_entries(&f->layout, err);
    c->space.gaps = f->space.ngaps ? malloc(f->space.ngaps * sizeof *c->space.gaps) : NULL;
    c->space.cap = c->space.gaps ? f->space.ngaps : 0;
    if (!c->entries || (f->space.ngaps && !c->space.gaps)) {
        free(c->entries);
        free(c->space.gaps);
        free(c);
        return zd_error_set(err, ZD_ENOMEM, "no memory for a shard");
    }
    memcpy(c->entries, f->entries, (size_t)f->layout.nchunks * sizeof *c->entries);
    if (c->space.gaps) memcpy(c->space.gaps, f->space.gaps, f->space.ngaps * sizeof *c->space.gaps);
    *out = c;
    return 0;
}

int sh_mem_image(st_reader *r, uint64_t old_size, const sh_file *f, const sh_plan *p, uint8_t **out,
                 size_t *len, bool *compacted, zd_error *err)
{
    *compacted = false;
    if (p->new_size > SIZE_MAX)
        return zd_error_set(err, ZD_EOVERFLOW, "shard would grow too large");
    size_t size = (size_t)p->new_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return zd_error_set(err, ZD_ENOMEM, "no memory for a %zu-byte shard", size);
    size_t keep = old_size < size ? (size_t)old_size : size;
    int rc = keep ? r->read(r, 0, buf, keep) : 0;
    if (rc) {
        free(buf);
        return zd_error_set(err, rc, "cannot read the shard");
    }
    memset(buf + keep, 0, size - keep);
    for (size_t i = 0; i < p->nwrites; i++) {
        const sh_write *w = &p->writes[i];
        uint64_t end;
        if (!zd_add_u64(w->offset, w->len, &end) || end > size) {
            free(buf);
            return zd_error_set(err, ZD_EOVERFLOW, "a planned write lies outside the shard");
        }
        memcpy(buf + w->offset, w->data, w->len);
    }
    /* A compaction that fails (no memory) leaves the valid, uncompacted shard. */
    uint64_t dead = f->space.free_bytes;
    uint8_t *small;
    if (dead > COMPACT_MIN_DEAD && dead > size / 100 * COMPACT_PERCENT &&
        compact(f, buf, &small, len) == 0) {
        free(buf);
        *out = small;
        *compacted = true;
        return 0;
    }
    *out = buf;
    *len = size;
    return 0;
}
