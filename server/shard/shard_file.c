/* shard_file.c: loading a shard and its free space into memory (see shard_file.h). */
#include "shard_file.h"

#include "shard_io.h"
#include "zd_le.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_empty_entries(sh_file *f)
{
    for (uint64_t i = 0; i < f->layout.nchunks; i++)
        f->entries[i] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
    f->live_chunks = 0;
    f->crc = f->layout.index_crc32c ? zd_shard_index_crc(&f->layout, f->entries) : 0;
}

/* No chunks, no data region: what a shard without content looks like. */
static void set_empty_layout(sh_file *f)
{
    f->size = 0;
    f->data_start = f->data_end = f->layout.index_at_end ? 0 : zd_shard_index_size(&f->layout);
    set_empty_entries(f);
    f->space.ngaps = 0;
    f->space.free_bytes = 0;
}

void sh_file_reset_absent(sh_file *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    set_empty_layout(f);
}

int sh_file_adopt_fd(sh_file *f, int fd, zd_error *err)
{
    ks_id id;
    if (ks_id_of_fd(fd, &id) != 0) {
        int rc = zd_error_set(err, ZD_EIO, "cannot stat shard: %s", strerror(errno));
        close(fd);
        return rc;
    }
    if (f->fd >= 0) close(f->fd);
    f->fd = fd;
    f->id = id;
    return 0;
}

bool sh_file_is_current(const sh_file *f, ks_root *ks, const char *key)
{
    if (f->fd >= 0) return ks_fd_named(f->fd);
    ks_id id;
    return ks_id_of_key(ks, key, &id) == ZD_ENOTFOUND;
}

uint64_t sh_file_index_offset(const sh_file *f)
{
    return f->layout.index_at_end ? f->data_end : 0;
}

uint32_t sh_index_stored_crc(const zd_shard_layout *l, const uint8_t *index)
{
    return (uint32_t)zd_le_get(index + zd_shard_index_size(l) - 4, 4);
}

int sh_index_fits(const zd_shard_layout *l, uint64_t size, zd_error *err)
{
    size_t isz = zd_shard_index_size(l);
    if (size >= isz) return 0;
    return zd_error_set(err, ZD_ECONFLICT,
                        "shard of %llu bytes cannot hold the %zu-byte index of this layout",
                        (unsigned long long)size, isz);
}

int sh_file_set_index(sh_file *f, uint64_t size, const uint8_t *index, zd_error *err)
{
    size_t isz = zd_shard_index_size(&f->layout);
    int rc = zd_shard_index_decode(&f->layout, index, isz, size, f->entries, err);
    if (rc == ZD_ECORRUPT && err) {
        char why[ZD_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        return zd_error_set(err, ZD_ECONFLICT, "shard does not match the layout: %s", why);
    }
    if (rc) return rc == ZD_ECORRUPT ? ZD_ECONFLICT : rc;
    if (f->layout.index_crc32c) /* decode verified it */
        f->crc = sh_index_stored_crc(&f->layout, index);
    f->size = size;
    f->data_start = f->layout.index_at_end ? 0 : isz;
    f->data_end = f->layout.index_at_end ? size - isz : size;
    f->live_chunks = 0;
    for (uint64_t i = 0; i < f->layout.nchunks; i++)
        f->live_chunks += f->entries[i].offset != ZD_SHARD_EMPTY;
    if (sh_space_build(&f->space, &f->layout, f->entries, f->data_start, f->data_end))
        return zd_error_set(err, ZD_ENOMEM, "no memory for a shard's free space");
    return 0;
}

static int load_index(sh_file *f, zd_error *err)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return zd_error_set(err, ZD_EIO, "cannot stat shard: %s", strerror(errno));
    uint64_t size = (uint64_t)st.st_size;
    if (size == 0) {
        /* An empty value (a plain PUT of nothing): no chunks yet, the first change fills it. */
        set_empty_layout(f);
        return 0;
    }
    int rc = sh_index_fits(&f->layout, size, err);
    if (rc) return rc;
    size_t isz = zd_shard_index_size(&f->layout);
    uint8_t *buf = malloc(isz);
    if (!buf) return zd_error_set(err, ZD_ENOMEM, "no memory for a shard index");
    rc = sh_io_pread_all(f->fd, buf, isz, zd_shard_index_offset(&f->layout, size), err);
    if (rc == 0) rc = sh_file_set_index(f, size, buf, err);
    free(buf);
    return rc;
}

int sh_file_load(ks_root *ks, const char *key, const zd_shard_layout *l, sh_file **out,
                 zd_error *err)
{
    sh_file *f = calloc(1, sizeof *f);
    if (!f) return zd_error_set(err, ZD_ENOMEM, "no memory for a shard");
    f->layout = *l;
    f->fd = -1;
    f->entries = malloc((size_t)l->nchunks * sizeof *f->entries);
    if (!f->entries) {
        free(f);
        return zd_error_set(err, ZD_ENOMEM, "no memory for a shard index");
    }
    int fd = sh_io_open(ks, key, err);
    int rc = 0;
    if (fd == ZD_ENOTFOUND) {
        sh_file_reset_absent(f);
        zd_error_clear(err);
    } else if (fd < 0) {
        rc = fd;
    } else {
        rc = sh_file_adopt_fd(f, fd, err);
        if (rc == 0) rc = load_index(f, err);
    }
    if (rc) {
        sh_file_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void sh_file_free(sh_file *f)
{
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    free(f->entries);
    sh_space_dispose(&f->space);
    free(f);
}
