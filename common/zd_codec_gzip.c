/* zd_codec_gzip.c: the gzip bytes→bytes codec, configuration {"level": 0..9}. Real gzip
 * framing (RFC 1952, zlib windowBits 15+16), so `gzip -d` reads what it writes; one member per
 * chunk, trailing bytes after it are refused. The z_streams live in the caller's zd_codec_ctx
 * and are reset, not re-created, for every chunk. */
#include "zd_codec_internal.h"

#include <limits.h>

static const char *const gzip_fields[] = {"level", NULL};

int zd_codec_gzip_parse(zd_codec_step *s, const cJSON *cfg, zd_error *err)
{
    int rc = zd_codec_config_fields(cfg, "gzip", gzip_fields, err);
    return rc ? rc : zd_codec_config_int(cfg, "gzip", "level", 0, 9, &s->level, err);
}

int zd_codec_gzip_json(const zd_codec_step *s, cJSON *cfg)
{
    return cJSON_AddNumberToObject(cfg, "level", s->level) ? 0 : ZD_ENOMEM;
}

uint64_t zd_codec_gzip_bound(uint64_t n)
{
    /* Above zlib's deflateBound for every level (stored blocks included) plus the gzip
     * header and trailer. */
    return zd_codec_sat_add(n, (n >> 5) + (n >> 7) + (n >> 11) + 64);
}

static int deflate_ready(zd_codec_ctx *ctx, int level, zd_error *err)
{
    z_stream *z = &ctx->deflate;
    int r;
    if (!ctx->deflate_ready) {
        r = deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        ctx->deflate_ready = r == Z_OK;
    } else {
        r = deflateReset(z);
        if (r == Z_OK && level != ctx->deflate_level)
            r = deflateParams(z, level, Z_DEFAULT_STRATEGY);
    }
    if (r != Z_OK)
        return zd_error_set(err, ZD_ENOMEM, "gzip: cannot set up compressor (zlib %d)", r);
    ctx->deflate_level = level;
    return 0;
}

int zd_codec_gzip_encode(zd_codec_ctx *ctx, int level, const uint8_t *in, size_t n, zd_buf *out,
                         zd_error *err)
{
    int rc = deflate_ready(ctx, level, err);
    if (rc) return rc;
    z_stream *z = &ctx->deflate;
    if (zd_buf_reserve(out, deflateBound(z, n)) != 0)
        return zd_error_set(err, ZD_ENOMEM, "gzip: out of memory");
    z->next_in = (Bytef *)in;
    size_t left = n;
    for (;;) {
        /* zlib counts in uInt: feed at most UINT_MAX bytes at a time. */
        if (z->avail_in == 0) {
            z->avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
            left -= z->avail_in;
        }
        size_t room = out->cap - out->len;
        z->next_out = out->data + out->len;
        z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        uInt before = z->avail_out;
        int r = deflate(z, left ? Z_NO_FLUSH : Z_FINISH);
        out->len += before - z->avail_out;
        if (r == Z_STREAM_END) return 0;
        if (r != Z_OK) return zd_error_set(err, ZD_EIO, "gzip: compression failed (zlib %d)", r);
    }
}

static int inflate_ready(zd_codec_ctx *ctx, zd_error *err)
{
    int r;
    if (!ctx->inflate_ready) {
        r = inflateInit2(&ctx->inflate, 15 + 16);
        ctx->inflate_ready = r == Z_OK;
    } else {
        r = inflateReset(&ctx->inflate);
    }
    return r == Z_OK ? 0 : zd_error_set(err, ZD_ENOMEM, "gzip: cannot set up decompressor");
}

int zd_codec_gzip_decode(zd_codec_ctx *ctx, const uint8_t *in, size_t n, zd_buf *out, uint64_t max,
                         bool exact, zd_error *err)
{
    int rc = inflate_ready(ctx, err);
    if (rc) return rc;
    z_stream *z = &ctx->inflate;
    z->next_in = (Bytef *)in;
    z->avail_in = 0;
    size_t left = n;
    uint8_t probe;
    for (;;) {
        size_t room;
        if (zd_codec_out_grow(out, max, exact ? max : (uint64_t)n * 4, &room) != 0)
            return zd_error_set(err, ZD_ENOMEM, "gzip: out of memory");
        if (z->avail_in == 0) {
            z->avail_in = left > UINT_MAX ? UINT_MAX : (uInt)left;
            left -= z->avail_in;
        }
        /* Output full: a 1-byte probe tells "ends here" from "more than max". */
        z->next_out = room ? out->data + out->len : &probe;
        z->avail_out = !room ? 1 : room > UINT_MAX ? UINT_MAX : (uInt)room;
        uInt before = z->avail_out;
        int r = inflate(z, Z_NO_FLUSH);
        size_t produced = before - z->avail_out;
        if (!room && produced)
            return zd_error_set(err, ZD_ECORRUPT, "gzip: decodes to more than %llu bytes",
                                (unsigned long long)max);
        out->len += room ? produced : 0;
        if (r == Z_STREAM_END) break;
        if (r == Z_BUF_ERROR && z->avail_in == 0 && left == 0)
            return zd_error_set(err, ZD_ECORRUPT, "gzip: truncated stream");
        if (r != Z_OK)
            return zd_error_set(err, ZD_ECORRUPT, "gzip: corrupt stream (%s)",
                                z->msg ? z->msg : "no progress");
    }
    if (z->avail_in + left != 0)
        return zd_error_set(err, ZD_ECORRUPT, "gzip: %zu bytes after the end of the stream",
                            z->avail_in + left);
    if (exact && out->len != max)
        return zd_error_set(err, ZD_ECORRUPT, "gzip: decodes to %zu bytes, expected %llu", out->len,
                            (unsigned long long)max);
    return 0;
}
