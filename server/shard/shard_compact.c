/* shard_compact.c: shard compaction (see shard_compact.h). */
#include "shard_compact.h"

#include "shard_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_BUF     (1u << 20)  /* output is written in pieces of this size */
#define WHOLE_IN_MEM (64u << 20) /* smaller shards are read with one pread */

bool sh_compact_due(const sh_file *f, unsigned percent, uint64_t min_dead)
{
    uint64_t dead = f->space.free_bytes;
    return f->fd >= 0 && dead > min_dead && dead > f->size / 100 * percent;
}

/* Copies byte ranges of the old file to the end of the new one through an output buffer.
 * The source is the whole old file in memory when it is small (chunks are visited in C order,
 * not in file order), else pread per piece. */
typedef struct copier {
    int in_fd, out_fd;
    const uint8_t *whole;
    uint8_t *buf;
    size_t len;
    uint64_t out_pos;
} copier;

static int copier_flush(copier *c, zd_error *err)
{
    int rc = sh_io_pwrite_all(c->out_fd, c->buf, c->len, c->out_pos, err);
    c->out_pos += c->len;
    c->len = 0;
    return rc;
}

static int copier_copy(copier *c, uint64_t off, uint64_t n, zd_error *err)
{
    while (n > 0) {
        if (c->len == COPY_BUF) {
            int rc = copier_flush(c, err);
            if (rc) return rc;
        }
        size_t take = n < COPY_BUF - c->len ? (size_t)n : COPY_BUF - c->len;
        if (c->whole) {
            memcpy(c->buf + c->len, c->whole + off, take);
        } else {
            int rc = sh_io_pread_all(c->in_fd, c->buf + c->len, take, off, err);
            if (rc) return rc;
        }
        c->len += take;
        off += take;
        n -= take;
    }
    return 0;
}

/* Copy the live chunks of f in C order into fd; fills entries with their new places and
 * *size with the new file size. */
static int write_compacted(const sh_file *f, int fd, zd_shard_entry *entries, uint64_t *size,
                           zd_error *err)
{
    const zd_shard_layout *l = &f->layout;
    size_t isz = zd_shard_index_size(l);
    uint64_t start = l->index_at_end ? 0 : isz;
    copier c = {.in_fd = f->fd, .out_fd = fd, .out_pos = start, .buf = malloc(COPY_BUF)};
    uint8_t *whole = f->size <= WHOLE_IN_MEM ? malloc(f->size ? (size_t)f->size : 1) : NULL;
    int rc = c.buf ? 0 : zd_error_set(err, ZD_ENOMEM, "no memory to compact a shard");
    if (rc == 0 && whole && sh_io_pread_all(f->fd, whole, (size_t)f->size, 0, NULL) == 0)
        c.whole = whole;
    uint64_t pos = start;
    for (uint64_t i = 0; i < l->nchunks && rc == 0; i++) {
        entries[i] = f->entries[i];
        if (entries[i].offset == ZD_SHARD_EMPTY) continue;
        rc = copier_copy(&c, entries[i].offset, entries[i].nbytes, err);
        entries[i].offset = pos;
        pos += entries[i].nbytes;
    }
    if (rc == 0) rc = copier_flush(&c, err);
    free(whole);
    free(c.buf);
    if (rc) return rc;
    uint8_t *index = malloc(isz);
    if (!index) return zd_error_set(err, ZD_ENOMEM, "no memory to compact a shard");
    zd_shard_index_encode(l, entries, index);
    rc = sh_io_pwrite_all(fd, index, isz, l->index_at_end ? pos : 0, err);
    free(index);
    *size = l->index_at_end ? pos + isz : pos;
    return rc;
}

/* Make the new file durable, then the barrier (after the old file is durable too: a crash
 * before the rename keeps the old file, which replay no longer patches), then the rename. */
static int replace_shard(ks_root *ks, const char *key, ks_temp *tmp, int old_fd, sh_wal *w,
                         zd_error *err)
{
    bool sync = sh_wal_mode(w) != KS_FSYNC_NONE;
    int rc = sync ? sh_io_sync(tmp->fd, true, err) : 0;
    if (rc == 0 && sync) rc = sh_io_sync(old_fd, true, err);
    if (rc == 0) rc = sh_wal_log_barrier(w, key, err);
    return rc ? rc : sh_io_replace(ks, key, tmp, true, sync, err);
}

int sh_compact(ks_root *ks, const char *key, sh_file *f, sh_wal *w, zd_error *err)
{
    ks_temp tmp;
    int rc = sh_io_temp(ks, &tmp, err);
    if (rc) return rc;
    zd_shard_entry *entries = malloc((size_t)f->layout.nchunks * sizeof *entries);
    uint64_t size = 0;
    rc = entries ? write_compacted(f, tmp.fd, entries, &size, err)
                 : zd_error_set(err, ZD_ENOMEM, "no memory to compact a shard");
    if (rc == 0) rc = replace_shard(ks, key, &tmp, f->fd, w, err);
    if (rc) {
        ks_temp_discard(ks, &tmp);
        free(entries);
        return rc;
    }
    int fd = tmp.fd;
    free(f->entries);
    f->entries = entries;
    /* If fstat fails, f keeps the old file's identity, which no longer matches the key: the
     * next use reloads the shard. */
    sh_file_adopt_fd(f, fd, NULL);
    f->size = size;
    size_t isz = zd_shard_index_size(&f->layout);
    f->data_start = f->layout.index_at_end ? 0 : isz;
    f->data_end = f->layout.index_at_end ? size - isz : size;
    f->space.ngaps = 0;
    f->space.free_bytes = 0;
    if (f->layout.index_crc32c) f->crc = zd_shard_index_crc(&f->layout, f->entries);
    return 0;
}
