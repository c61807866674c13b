/* shard_check.c: the shard checker (see shard_check.h). */
#include "shard_check.h"

#include "zd_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sh_check_decodes(void *check_codec, uint64_t pos, const uint8_t *data, size_t len,
                     zd_error *err)
{
    sh_check_codec *cc = check_codec;
    size_t n = zd_codec_chain_decoded_size(cc->inner);
    zd_buf_reset(&cc->decoded);
    if (zd_buf_reserve(&cc->decoded, n))
        return zd_error_set(err, ZD_ENOMEM, "no memory to decode inner chunk %llu",
                            (unsigned long long)pos);
    int rc = zd_codec_chain_decode(cc->inner, cc->ctx, data, len, cc->decoded.data, n, err);
    if (rc && err) {
        char why[ZD_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        zd_error_set(err, rc, "inner chunk %llu does not decode: %s", (unsigned long long)pos, why);
    }
    return rc;
}

int sh_check_buffer(const zd_shard_layout *l, const uint8_t *shard, size_t len,
                    sh_check_chunk_fn chunk_ok, void *ctx, sh_check_report *report, zd_error *err)
{
    size_t isz = zd_shard_index_size(l);
    if (len < isz)
        return zd_error_set(err, ZD_ECORRUPT,
                            "shard of %zu bytes is smaller than its %zu-byte "
                            "index",
                            len, isz);
    zd_shard_entry *entries = malloc((size_t)l->nchunks * sizeof *entries);
    if (!entries) return zd_error_set(err, ZD_ENOMEM, "no memory to check a shard");
    const uint8_t *index = shard + (l->index_at_end ? len - isz : 0);
    int rc = zd_shard_index_decode(l, index, isz, len, entries, err);
    sh_check_report r = {len, 0, 0};
    for (uint64_t i = 0; i < l->nchunks && rc == 0; i++) {
        if (entries[i].offset == ZD_SHARD_EMPTY) continue;
        r.live_chunks++;
        r.live_bytes += entries[i].nbytes;
        if (chunk_ok)
            rc = chunk_ok(ctx, i, shard + entries[i].offset, (size_t)entries[i].nbytes, err);
    }
    free(entries);
    if (rc == 0 && report) *report = r;
    return rc;
}
