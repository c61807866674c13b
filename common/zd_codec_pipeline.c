/* zd_codec_pipeline.c: runs a built chain. Encoding walks transpose → bytes|sharding →
 * bytes→bytes codecs, decoding walks back. Intermediate results live in the context's scratch
 * buffers for the chain's depth (0: transposed array, 1 and 2: ping-pong between bytes
 * stages); the last stage writes straight into the caller's output, and when nothing but a
 * decompressor stands between the stored bytes and the chunk (no transpose, no byte swap) it
 * decompresses directly into the caller's chunk, so the chain costs what the codec costs. */
#include "zd_codec_internal.h"

#include <string.h>

/* The ping-pong scratch buffer that does not hold the current data. */
static int other(int held)
{
    return held == 1 ? 2 : 1;
}

static int encode_bytes_step(const zd_codec_step *s, zd_codec_ctx *ctx, const uint8_t *in, size_t n,
                             zd_buf *out, zd_error *err)
{
    switch (s->kind) {
    case ZD_CODEC_GZIP:
        return zd_codec_gzip_encode(ctx, s->level, in, n, out, err);
    case ZD_CODEC_ZSTD:
        return zd_codec_zstd_encode(ctx, s->level, s->checksum, in, n, out, err);
    case ZD_CODEC_CRC32C:
        return zd_codec_crc32c_encode(in, n, out, err);
    default:
        return zd_error_set(err, ZD_EINVAL, "codec %d is not a bytes→bytes codec", (int)s->kind);
    }
}

int zd_codec_chain_encode_append(const zd_codec_chain *c, zd_codec_ctx *ctx, const uint8_t *in,
                                 zd_buf *out, zd_error *err)
{
    const uint8_t *p = in;
    size_t n = c->decoded_size;
    int held = -1; /* scratch buffer holding p; -1: the caller's input or out */
    zd_buf *b;
    int rc;
    if (c->permuted) {
        if ((rc = zd_codec_scratch(ctx, c->depth, 0, n, &b, err))) return rc;
        zd_codec_transpose_encode(c->perm, &c->spec, c->elsize, p, b->data);
        b->len = n;
        p = b->data;
        held = 0;
    }
    bool last_is_ab = c->ab == c->nsteps - 1;
    if (c->shard) {
        zd_buf *dst = out;
        if (!last_is_ab && (rc = zd_codec_scratch(ctx, c->depth, other(held), 0, &dst, err)))
            return rc;
        size_t base = dst->len;
        if ((rc = zd_codec_sharding_encode(c, ctx, p, dst, err))) return rc;
        if (dst->len == base || last_is_ab)
            return 0; /* absent shard, or the shard went straight into out */
        p = dst->data;
        n = dst->len;
        held = other(held);
    } else if (c->swap_unit) {
        int into = held >= 0 ? held : other(held);
        if (held < 0 && (rc = zd_codec_scratch(ctx, c->depth, into, n, &b, err))) return rc;
        uint8_t *dst = ctx->scratch[c->depth][into].data;
        zd_codec_bytes_swap(dst, p, n, c->swap_unit);
        p = dst;
        held = into;
    }
    if (last_is_ab) {
        if (zd_buf_append(out, p, n) != 0) return zd_error_set(err, ZD_ENOMEM, "out of memory");
        return 0;
    }
    for (int i = c->ab + 1; i < c->nsteps; i++) {
        zd_buf *dst = out;
        if (i < c->nsteps - 1 && (rc = zd_codec_scratch(ctx, c->depth, other(held), 0, &dst, err)))
            return rc;
        size_t base = dst->len;
        if ((rc = encode_bytes_step(&c->steps[i], ctx, p, n, dst, err))) return rc;
        p = dst->data + base;
        n = dst->len - base;
        held = other(held);
    }
    return 0;
}

int zd_codec_chain_encode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const void *chunk,
                          size_t len, zd_buf *out, zd_error *err)
{
    if (len != chain->decoded_size)
        return zd_error_set(err, ZD_EINVAL, "chunk of %zu bytes, the chain encodes %zu", len,
                            chain->decoded_size);
    zd_buf_reset(out);
    return zd_codec_chain_encode_append(chain, ctx, chunk, out, err);
}

static int decompress(const zd_codec_step *s, zd_codec_ctx *ctx, const uint8_t *in, size_t n,
                      zd_buf *out, zd_error *err)
{
    if (s->kind == ZD_CODEC_GZIP)
        return zd_codec_gzip_decode(ctx, in, n, out, s->in_max, s->in_exact, err);
    return zd_codec_zstd_decode(ctx, in, n, out, s->in_max, s->in_exact, err);
}

/* The array→bytes stage backwards: bytes `p[n]` to the (transposed) array, then transpose. */
static int decode_array(const zd_codec_chain *c, zd_codec_ctx *ctx, const uint8_t *p, size_t n,
                        uint8_t *chunk, zd_error *err)
{
    uint8_t *array = chunk;
    zd_buf *b;
    int rc;
    if (c->permuted) {
        if ((rc = zd_codec_scratch(ctx, c->depth, 0, c->decoded_size, &b, err))) return rc;
        array = b->data;
    }
    if (c->shard) {
        if ((rc = zd_codec_sharding_decode(c, ctx, p, n, array, err))) return rc;
    } else {
        if (n != c->decoded_size)
            return zd_error_set(err, ZD_ECORRUPT, "bytes: %zu bytes for a %zu-byte chunk", n,
                                c->decoded_size);
        if (c->swap_unit)
            zd_codec_bytes_swap(array, p, n, c->swap_unit);
        else if (c->permuted)
            array = (uint8_t *)p;
        else
            memcpy(array, p, n);
    }
    if (c->permuted) zd_codec_transpose_decode(c->perm, &c->spec, c->elsize, array, chunk);
    return 0;
}

int zd_codec_chain_decode(const zd_codec_chain *chain, zd_codec_ctx *ctx, const void *data,
                          size_t len, void *chunk, size_t chunk_len, zd_error *err)
{
    const zd_codec_chain *c = chain;
    if (chunk_len != c->decoded_size)
        return zd_error_set(err, ZD_EINVAL, "chunk buffer of %zu bytes, the chain decodes %zu",
                            chunk_len, c->decoded_size);
    /* A shard patched in place by the server may hold dead bytes, so only chains without
     * sharding have an upper bound; the shard decoder checks every index entry instead. */
    if (!c->shard && len > c->max_encoded)
        return zd_error_set(err, ZD_ECORRUPT, "%zu encoded bytes, more than this chain produces",
                            len);
    const uint8_t *p = data;
    size_t n = len;
    int held = -1;
    bool plain_array = !c->shard && !c->swap_unit && !c->permuted;
    int rc;
    for (int i = c->nsteps - 1; i > c->ab; i--) {
        const zd_codec_step *s = &c->steps[i];
        if (s->kind == ZD_CODEC_CRC32C) {
            if ((rc = zd_codec_crc32c_check(p, n, &n, err))) return rc;
            continue;
        }
        if (i == c->ab + 1 && plain_array) {
            zd_buf direct = {chunk, 0, chunk_len};
            return decompress(s, ctx, p, n, &direct, err);
        }
        zd_buf *dst;
        if ((rc = zd_codec_scratch(ctx, c->depth, other(held), 0, &dst, err)) ||
            (rc = decompress(s, ctx, p, n, dst, err)))
            return rc;
        p = dst->data;
        n = dst->len;
        held = other(held);
    }
    return decode_array(c, ctx, p, n, chunk, err);
}
