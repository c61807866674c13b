/* shard_check_file.c: the shard checker over a file named by a path (see shard_check_file.h). */
#include "shard_check_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int sh_check_read_file(const char *path, zd_buf *out, zd_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? zd_error_set(err, ZD_ENOTFOUND, "%s: no such file", path)
                               : zd_error_set(err, ZD_EIO, "%s: %s", path, strerror(errno));
    uint8_t chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        rc = zd_buf_append(out, chunk, n);
    if (rc == 0 && ferror(fp))
        rc = zd_error_set(err, ZD_EIO, "%s: read failed", path);
    else if (rc)
        rc = zd_error_set(err, rc, "no memory to read %s", path);
    fclose(fp);
    return rc;
}

int sh_check_file(const char *path, const zd_shard_layout *l, sh_check_chunk_fn chunk_ok, void *ctx,
                  sh_check_report *report, zd_error *err)
{
    zd_buf b = {0};
    int rc = sh_check_read_file(path, &b, err);
    if (rc == ZD_ENOTFOUND) rc = zd_error_set(err, rc, "%s: no such shard", path);
    if (rc == 0) rc = sh_check_buffer(l, b.data, b.len, chunk_ok, ctx, report, err);
    zd_buf_free(&b);
    return rc;
}
