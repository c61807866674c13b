/* zd_codec_ctx.c: the per-thread codec context — zlib and zstd states (set up on first use,
 * reset for every chunk afterwards) and scratch buffers indexed by sharding depth, so a chain
 * and its nested inner chains never share a buffer and nothing is allocated per chunk once the
 * buffers have grown to size. */
#include "zd_codec_internal.h"

#include <stdlib.h>

int zd_codec_ctx_new(zd_codec_ctx **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : ZD_ENOMEM;
}

void zd_codec_ctx_free(zd_codec_ctx *ctx)
{
    if (!ctx) return;
    if (ctx->deflate_ready) deflateEnd(&ctx->deflate);
    if (ctx->inflate_ready) inflateEnd(&ctx->inflate);
    ZSTD_freeCCtx(ctx->zcctx);
    ZSTD_freeDCtx(ctx->zdctx);
    for (int d = 0; d < ZD_CODEC_MAX_DEPTH; d++) {
        for (int i = 0; i < ZD_CODEC_SCRATCH; i++)
            zd_buf_free(&ctx->scratch[d][i]);
        free(ctx->entries[d]);
    }
    free(ctx);
}

int zd_codec_scratch(zd_codec_ctx *ctx, int depth, int i, size_t size, zd_buf **out, zd_error *err)
{
    zd_buf *b = &ctx->scratch[depth][i];
    zd_buf_reset(b);
    if (zd_buf_reserve(b, size) != 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory for a %zu-byte buffer", size);
    *out = b;
    return 0;
}

int zd_codec_scratch_entries(zd_codec_ctx *ctx, int depth, size_t n, zd_shard_entry **out,
                             zd_error *err)
{
    if (ctx->nentries[depth] < n) {
        zd_shard_entry *e = realloc(ctx->entries[depth], n * sizeof *e);
        if (!e) return zd_error_set(err, ZD_ENOMEM, "out of memory for a %zu-entry shard index", n);
        ctx->entries[depth] = e;
        ctx->nentries[depth] = n;
    }
    *out = ctx->entries[depth];
    return 0;
}

int zd_codec_out_grow(zd_buf *out, uint64_t max, uint64_t hint, size_t *room)
{
    *room = 0;
    if (out->len >= max) return 0;
    if (out->cap == out->len) {
        uint64_t want = out->cap * 2 > hint ? out->cap * 2 : hint;
        if (want < 65536) want = 65536;
        if (want > max) want = max;
        if (zd_buf_reserve(out, (size_t)want - out->len) != 0) return ZD_ENOMEM;
    }
    uint64_t limit = out->cap < max ? out->cap : max;
    *room = (size_t)(limit - out->len);
    return 0;
}
