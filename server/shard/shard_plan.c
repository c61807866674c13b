/* shard_plan.c: placement and index-write planning (see shard_plan.h). */
#include "shard_plan.h"

#include "shard_stats.h"
#include "zd_checked.h"
#include "zd_le.h"

#include <stdlib.h>
#include <string.h>

#define ENTRY_BYTES 16u
#define MAX_FILE    ((uint64_t)1 << 62) /* keeps every offset sum far from overflow */

int sh_plan_check(const zd_shard_layout *l, const sh_op *ops, size_t n, zd_error *err)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t pos;
        if (zd_shard_chunk_index(l, ops[i].coords, &pos) != 0)
            return zd_error_set(err, ZD_ERANGE,
                                "chunk coordinates of operation %zu lie outside "
                                "the shard",
                                i);
        if (ops[i].kind == SH_OP_PUT && ops[i].len == 0)
            return zd_error_set(err, ZD_EINVAL, "operation %zu puts an empty chunk", i);
        if (ops[i].kind == SH_OP_PUT && ops[i].len > ZD_MAX_CHUNK_BYTES)
            return zd_error_set(err, ZD_EOVERFLOW, "operation %zu puts more than %llu bytes", i,
                                (unsigned long long)ZD_MAX_CHUNK_BYTES);
        if (ops[i].kind != SH_OP_PUT && ops[i].kind != SH_OP_DELETE)
            return zd_error_set(err, ZD_EINVAL, "operation %zu has an unknown kind", i);
    }
    return 0;
}

static int add_write(sh_plan *p, uint64_t offset, const uint8_t *data, size_t len)
{
    if (p->nwrites == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        sh_write *w = realloc(p->writes, cap * sizeof *w);
        if (!w) return ZD_ENOMEM;
        p->writes = w;
        p->cap = cap;
    }
    p->writes[p->nwrites++] = (sh_write){offset, data, len};
    return 0;
}

static int touch(sh_plan *p, uint64_t pos)
{
    if (p->ntouched == p->touched_cap) {
        size_t cap = p->touched_cap ? p->touched_cap * 2 : 8;
        uint64_t *t = realloc(p->touched, cap * sizeof *t);
        if (!t) return ZD_ENOMEM;
        p->touched = t;
        p->touched_cap = cap;
    }
    p->touched[p->ntouched++] = pos;
    return 0;
}

/* Make room for n bytes past the used part of the data region; sets *offset. With index "end"
 * the region grows by at least a quarter and the index moves (*index_moved). */
static int append_space(sh_file *f, uint64_t n, uint64_t *offset, bool *index_moved)
{
    const sh_gap *tail = sh_space_gap_ending_at(&f->space, f->data_end);
    uint64_t off = f->data_end;
    if (tail) {
        off = tail->offset;
        sh_space_take_at(&f->space, off, tail->nbytes);
    }
    uint64_t need_end;
    if (!zd_add_u64(off, n, &need_end) || need_end > MAX_FILE) return ZD_EOVERFLOW;
    uint64_t new_end = need_end;
    if (f->layout.index_at_end) {
        uint64_t grow = (f->data_end - f->data_start) / 4;
        if (f->data_end + grow > new_end) new_end = f->data_end + grow;
        *index_moved = true;
    }
    int rc = sh_space_free(&f->space, need_end, new_end - need_end);
    if (rc) return rc;
    f->data_end = new_end;
    *offset = off;
    return 0;
}

static int place(sh_file *f, const sh_op *op, zd_shard_entry *out, sh_plan *p, bool *index_moved)
{
    zd_shard_entry old = *out;
    if (old.offset != ZD_SHARD_EMPTY && old.nbytes == op->len) {
        p->in_place++;
        return 0; /* same size: overwrite the slot */
    }
    if (old.offset != ZD_SHARD_EMPTY) {
        int rc = sh_space_free(&f->space, old.offset, old.nbytes);
        if (rc) return rc;
    }
    uint64_t off;
    if (sh_space_take_first_fit(&f->space, op->len, &off)) {
        p->gap++;
    } else {
        int rc = append_space(f, op->len, &off, index_moved);
        if (rc) return rc;
        p->appended++;
    }
    *out = (zd_shard_entry){off, op->len};
    return 0;
}

static int apply_op(sh_file *f, const sh_op *op, sh_plan *p, bool *index_moved)
{
    uint64_t pos;
    zd_shard_chunk_index(&f->layout, op->coords, &pos);
    zd_shard_entry old = f->entries[pos], now = old;
    int rc = 0;
    if (op->kind == SH_OP_PUT) {
        rc = place(f, op, &now, p, index_moved);
        if (rc == 0) rc = add_write(p, now.offset, op->data, op->len);
    } else if (old.offset != ZD_SHARD_EMPTY) {
        rc = sh_space_free(&f->space, old.offset, old.nbytes);
        now = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
    }
    if (rc || memcmp(&old, &now, sizeof old) == 0) return rc;
    f->live_chunks += (now.offset != ZD_SHARD_EMPTY) - (old.offset != ZD_SHARD_EMPTY);
    if (f->layout.index_crc32c)
        f->crc = zd_shard_index_crc_update(&f->layout, f->crc, pos, &old, &now);
    f->entries[pos] = now;
    return touch(p, pos);
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* Index writes: the whole encoded index, or each changed entry and the trailer. */
static int plan_index(sh_file *f, sh_plan *p, bool whole)
{
    const zd_shard_layout *l = &f->layout;
    size_t isz = zd_shard_index_size(l);
    uint64_t at = sh_file_index_offset(f);
    if (whole) {
        p->index = malloc(isz);
        if (!p->index) return ZD_ENOMEM;
        zd_shard_index_encode(l, f->entries, p->index);
        if (l->index_crc32c) f->crc = sh_index_stored_crc(l, p->index);
        return add_write(p, at, p->index, isz);
    }
    qsort(p->touched, p->ntouched, sizeof *p->touched, cmp_u64);
    size_t n = 0;
    for (size_t i = 0; i < p->ntouched; i++)
        if (i == 0 || p->touched[i] != p->touched[i - 1]) p->touched[n++] = p->touched[i];
    p->ntouched = n;
    p->index = malloc(n * ENTRY_BYTES + 4);
    if (!p->index) return ZD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint8_t *enc = p->index + i * ENTRY_BYTES;
        zd_shard_entry_encode(l, &f->entries[p->touched[i]], enc);
        int rc = add_write(p, at + p->touched[i] * ENTRY_BYTES, enc, ENTRY_BYTES);
        if (rc) return rc;
    }
    if (!l->index_crc32c) return 0;
    zd_le_put(p->index + n * ENTRY_BYTES, f->crc, 4);
    return add_write(p, at + l->nchunks * ENTRY_BYTES, p->index + n * ENTRY_BYTES, 4);
}

int sh_plan_build(sh_file *f, const sh_op *ops, size_t n, sh_plan *p, zd_error *err)
{
    memset(p, 0, sizeof *p);
    bool existed = f->size > 0; /* a file with content (an empty file is no shard yet) */
    bool index_moved = false;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = apply_op(f, &ops[i], p, &index_moved);
    if (rc)
        return zd_error_set(err, rc,
                            rc == ZD_ENOMEM ? "no memory to plan a shard change"
                                            : "shard would grow too large");
    size_t isz = zd_shard_index_size(&f->layout);
    if (f->live_chunks == 0) {
        /* Nothing left: an existing shard is removed, an absent one stays absent. */
        p->delete_file = existed;
        p->changed = existed;
        p->nwrites = 0;
        if (!existed) sh_file_reset_absent(f);
        return 0;
    }
    p->new_size = f->layout.index_at_end ? f->data_end + isz : f->data_end;
    p->changed = p->nwrites > 0 || p->ntouched > 0;
    bool whole = !existed || index_moved || p->ntouched * 64 > f->layout.nchunks;
    if (p->ntouched > 0 || whole) rc = plan_index(f, p, whole);
    if (rc) return zd_error_set(err, rc, "no memory to plan a shard index write");
    return 0;
}

void sh_plan_dispose(sh_plan *p)
{
    free(p->writes);
    free(p->index);
    free(p->touched);
    memset(p, 0, sizeof *p);
}

void sh_plan_count(const sh_plan *plan, bool compacted)
{
    sh_stat_add(SH_STAT_IN_PLACE, plan->in_place);
    sh_stat_add(SH_STAT_GAP, plan->gap);
    sh_stat_add(SH_STAT_APPENDED, plan->appended);
    if (compacted) sh_stat_add(SH_STAT_COMPACTIONS, 1);
}
