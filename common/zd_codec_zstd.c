/* zd_codec_zstd.c: the zstd bytes→bytes codec, configuration {"level": int (negative and 0 =
 * default allowed), "checksum": bool}. Decodes frames with a content size in one call straight
 * into the output, and frames without one (or several concatenated frames) by streaming into a
 * buffer that never grows past the bound. ZSTD_CCtx / ZSTD_DCtx live in the caller's
 * zd_codec_ctx and are reset per chunk. */
#include "zd_codec_internal.h"

static const char *const zstd_fields[] = {"level", "checksum", NULL};

int zd_codec_zstd_parse(zd_codec_step *s, const cJSON *cfg, zd_error *err)
{
    int rc = zd_codec_config_fields(cfg, "zstd", zstd_fields, err);
    if (!rc)
        rc = zd_codec_config_int(cfg, "zstd", "level", ZSTD_minCLevel(), ZSTD_maxCLevel(),
                                 &s->level, err);
    if (rc) return rc;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cfg, "checksum");
    if (c && !cJSON_IsBool(c))
        return zd_error_set(err, ZD_EINVAL,
                            "zstd: configuration field 'checksum' must be a boolean");
    s->checksum = cJSON_IsTrue(c);
    return 0;
}

int zd_codec_zstd_json(const zd_codec_step *s, cJSON *cfg)
{
    if (!cJSON_AddNumberToObject(cfg, "level", s->level) ||
        !cJSON_AddBoolToObject(cfg, "checksum", s->checksum))
        return ZD_ENOMEM;
    return 0;
}

uint64_t zd_codec_zstd_bound(uint64_t n)
{
    /* ZSTD_COMPRESSBOUND, in 64 bits, plus room for a checksum and a frame header. */
    uint64_t margin = n < (128u << 10) ? ((128u << 10) - n) >> 11 : 0;
    return zd_codec_sat_add(n, (n >> 8) + margin + 64);
}

int zd_codec_zstd_encode(zd_codec_ctx *ctx, int level, bool checksum, const uint8_t *in, size_t n,
                         zd_buf *out, zd_error *err)
{
    if (!ctx->zcctx && !(ctx->zcctx = ZSTD_createCCtx()))
        return zd_error_set(err, ZD_ENOMEM, "zstd: cannot create a compression context");
    ZSTD_CCtx *cc = ctx->zcctx;
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_only);
    size_t r = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, checksum);
    if (ZSTD_isError(r)) return zd_error_set(err, ZD_EINVAL, "zstd: %s", ZSTD_getErrorName(r));
    size_t bound = ZSTD_compressBound(n);
    if (ZSTD_isError(bound) || zd_buf_reserve(out, bound) != 0)
        return zd_error_set(err, ZD_ENOMEM, "zstd: out of memory");
    r = ZSTD_compress2(cc, out->data + out->len, out->cap - out->len, in, n);
    if (ZSTD_isError(r)) return zd_error_set(err, ZD_EIO, "zstd: %s", ZSTD_getErrorName(r));
    out->len += r;
    return 0;
}

/* A single frame that declares its size: one call, straight into the output. */
static int decode_sized(ZSTD_DCtx *dc, const uint8_t *in, size_t n, unsigned long long size,
                        zd_buf *out, uint64_t max, bool exact, zd_error *err)
{
    if (size > max || (exact && size != max))
        return zd_error_set(err, ZD_ECORRUPT, "zstd: frame declares %llu bytes, expected %s%llu",
                            size, exact ? "" : "at most ", (unsigned long long)max);
    if (zd_buf_reserve(out, (size_t)size) != 0)
        return zd_error_set(err, ZD_ENOMEM, "zstd: out of memory");
    size_t r = ZSTD_decompressDCtx(dc, out->data + out->len, (size_t)size, in, n);
    if (ZSTD_isError(r)) return zd_error_set(err, ZD_ECORRUPT, "zstd: %s", ZSTD_getErrorName(r));
    if (r != size)
        return zd_error_set(err, ZD_ECORRUPT, "zstd: frame decodes to %zu bytes, declares %llu", r,
                            size);
    out->len += r;
    return 0;
}

static int decode_stream(ZSTD_DCtx *dc, const uint8_t *in, size_t n, zd_buf *out, uint64_t max,
                         bool exact, zd_error *err)
{
    ZSTD_DCtx_reset(dc, ZSTD_reset_session_only);
    ZSTD_inBuffer ib = {in, n, 0};
    uint8_t probe;
    for (;;) {
        size_t room;
        if (zd_codec_out_grow(out, max, exact ? max : (uint64_t)n * 4, &room) != 0)
            return zd_error_set(err, ZD_ENOMEM, "zstd: out of memory");
        /* Output full: a 1-byte probe tells "ends here" from "more than max". */
        ZSTD_outBuffer ob = {room ? out->data + out->len : &probe, room ? room : 1, 0};
        size_t in_before = ib.pos;
        size_t r = ZSTD_decompressStream(dc, &ob, &ib);
        if (ZSTD_isError(r))
            return zd_error_set(err, ZD_ECORRUPT, "zstd: %s", ZSTD_getErrorName(r));
        if (!room && ob.pos)
            return zd_error_set(err, ZD_ECORRUPT, "zstd: decodes to more than %llu bytes",
                                (unsigned long long)max);
        out->len += room ? ob.pos : 0;
        if (r == 0 && ib.pos == ib.size) break;
        if (ib.pos == ib.size && ob.pos < ob.size)
            return zd_error_set(err, ZD_ECORRUPT, "zstd: truncated frame");
        if (ob.pos == 0 && ib.pos == in_before)
            return zd_error_set(err, ZD_ECORRUPT, "zstd: corrupt frame (no progress)");
    }
    if (exact && out->len != max)
        return zd_error_set(err, ZD_ECORRUPT, "zstd: decodes to %zu bytes, expected %llu", out->len,
                            (unsigned long long)max);
    return 0;
}

int zd_codec_zstd_decode(zd_codec_ctx *ctx, const uint8_t *in, size_t n, zd_buf *out, uint64_t max,
                         bool exact, zd_error *err)
{
    if (!ctx->zdctx && !(ctx->zdctx = ZSTD_createDCtx()))
        return zd_error_set(err, ZD_ENOMEM, "zstd: cannot create a decompression context");
    unsigned long long size = ZSTD_getFrameContentSize(in, n);
    if (size == ZSTD_CONTENTSIZE_ERROR)
        return zd_error_set(err, ZD_ECORRUPT, "zstd: not a zstd frame");
    if (size != ZSTD_CONTENTSIZE_UNKNOWN && ZSTD_findFrameCompressedSize(in, n) == n)
        return decode_sized(ctx->zdctx, in, n, size, out, max, exact, err);
    return decode_stream(ctx->zdctx, in, n, out, max, exact, err);
}
