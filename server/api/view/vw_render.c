/* vw_render.c: reading a preview slice (see vw_preview.h). The touched units (chunks, or inner
 * chunks of a shard) are found per axis: the pixels of a row (column) of the image map to
 * array rows (columns) step apart, and consecutive pixels in one unit form a run. Units are
 * visited grouped by the stored value that holds them (the shard, or the chunk itself), so
 * each value is opened, and each shard index read, once. The same walk, with stat instead of
 * reads, gives the preview's ETag. */
#include "vw_preview.h"

#include "zd_fill.h"
#include "zd_grid.h"
#include "zd_shard_index.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The runs of one image axis: run r covers pixels [p0[r], p0[r + 1]) in unit u[r]. */
typedef struct vw_axis {
    size_t n;
    uint64_t u[VW_MAX_SIDE + 1];
    uint64_t p0[VW_MAX_SIDE + 1];
} vw_axis;

static void vw_axis_init(vw_axis *ax, uint64_t pixels, uint64_t step, uint64_t unit)
{
    ax->n = 0;
    for (uint64_t p = 0; p < pixels; p++) {
        uint64_t u = p * step / unit;
        if (ax->n && ax->u[ax->n - 1] == u) continue;
        ax->u[ax->n] = u;
        ax->p0[ax->n++] = p;
    }
    ax->p0[ax->n] = pixels;
}

/* How many units of this axis one stored value holds (a shard's inner chunks, or 1). */
static uint64_t vw_per_value(const vw_array *a, int d)
{
    return a->layout && d >= 0 ? a->layout->chunks[d] : 1;
}

/* Runs [*r, *end) of axis ax whose units lie in the same stored value as run *r's. */
static size_t vw_group_end(const vw_axis *ax, size_t r, uint64_t per)
{
    size_t end = r + 1;
    while (end < ax->n && ax->u[end] / per == ax->u[r] / per)
        end++;
    return end;
}

/* The walk over a slice: the axes and the unit coordinates of the fixed dimensions. */
typedef struct vw_walk {
    const vw_array *a;
    const vw_slice *s;
    const char *prefix;
    vw_axis ya, xa;
    uint64_t unit[ZD_MAX_DIMS]; /* current unit coordinates */
} vw_walk;

static void vw_walk_init(vw_walk *w, const vw_array *a, const vw_slice *s, const char *prefix)
{
    w->a = a;
    w->s = s;
    w->prefix = prefix;
    vw_axis_init(&w->ya, s->h, s->step_y, s->ydim >= 0 ? a->unit[s->ydim] : 1);
    vw_axis_init(&w->xa, s->w, s->step_x, a->unit[s->xdim]);
    for (int d = 0; d < s->ndim; d++)
        w->unit[d] = s->at[d] / a->unit[d];
}

/* The key of the stored value holding the current unit, and (sharded) the unit's index in
 * that shard. */
static int vw_value_key(const vw_walk *w, char *key, size_t cap, uint64_t *inner)
{
    const vw_array *a = w->a;
    uint64_t coords[ZD_MAX_DIMS], in[ZD_MAX_DIMS];
    for (int d = 0; d < w->s->ndim; d++) {
        uint64_t per = a->layout ? a->layout->chunks[d] : 1;
        coords[d] = w->unit[d] / per;
        in[d] = w->unit[d] % per;
    }
    size_t plen = strlen(w->prefix);
    if (plen >= cap) return ZD_EOVERFLOW;
    memcpy(key, w->prefix, plen);
    int rc =
        zd_key_encode(&a->meta->key_encoding, w->s->ndim, coords, key + plen, cap - plen, NULL);
    if (rc == 0 && a->layout) rc = zd_shard_chunk_index(a->layout, in, inner);
    return rc;
}

/* ---- the ETag ---- */

int vw_preview_etag(st_store *st, const char *prefix, const vw_array *a, const char *meta_etag,
                    const vw_slice *s, char *etag, zd_error *err)
{
    vw_walk *w = malloc(sizeof *w);
    if (!w) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    vw_walk_init(w, a, s, prefix);
    zd_buf in = {0};
    zd_buf_appendf(&in, "%s|%d|%d|%llu|%llu", meta_etag, s->ydim, s->xdim,
                   (unsigned long long)s->step_y, (unsigned long long)s->step_x);
    for (int d = 0; d < s->ndim; d++)
        zd_buf_appendf(&in, "|%llu", (unsigned long long)s->at[d]);
    uint64_t py = vw_per_value(a, s->ydim), px = vw_per_value(a, s->xdim);
    int rc = 0;
    for (size_t gy = 0; gy < w->ya.n && !rc; gy = vw_group_end(&w->ya, gy, py))
        for (size_t gx = 0; gx < w->xa.n && !rc; gx = vw_group_end(&w->xa, gx, px)) {
            if (s->ydim >= 0) w->unit[s->ydim] = w->ya.u[gy];
            w->unit[s->xdim] = w->xa.u[gx];
            char key[ZD_MAX_KEY + ZD_CHUNK_KEY_MAX];
            uint64_t inner;
            st_stat info;
            if ((rc = vw_value_key(w, key, sizeof key, &inner)) != 0) break;
            int src = st->stat(st, key, &info);
            zd_buf_appendf(&in, "|%s", src == 0 ? info.etag : "-");
        }
    if (rc == 0) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        if (!EVP_Digest(in.data, in.len, md, &mdlen, EVP_sha256(), NULL)) rc = ZD_ENOMEM;
        char *p = etag;
        *p++ = '"';
        for (unsigned i = 0; i < 16 && i < mdlen; i++, p += 2)
            snprintf(p, 3, "%02x", md[i]);
        *p++ = '"';
        *p = '\0';
    }
    zd_buf_free(&in);
    free(w);
    return rc ? zd_error_set(err, rc, "cannot name the preview's version") : 0;
}

/* ---- reading units ---- */

/* One element as a number (complex: its magnitude; float16 from its bits). */
static double vw_value(zd_dtype t, const uint8_t *p)
{
    switch (t) {
    case ZD_BOOL:
    case ZD_UINT8:
        return p[0];
    case ZD_INT8:
        return (int8_t)p[0];
    case ZD_INT16: {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case ZD_UINT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case ZD_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case ZD_UINT32: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case ZD_INT64: {
        int64_t v;
        memcpy(&v, p, 8);
        return (double)v;
    }
    case ZD_UINT64: {
        uint64_t v;
        memcpy(&v, p, 8);
        return (double)v;
    }
    case ZD_FLOAT16: {
        uint16_t h;
        memcpy(&h, p, 2);
        int e = (h >> 10) & 0x1f, f = h & 0x3ff;
        double v = e == 0    ? ldexp(f, -24)
                   : e == 31 ? (f ? NAN : INFINITY)
                             : ldexp(f + 1024, e - 25);
        return (h & 0x8000) ? -v : v;
    }
    case ZD_FLOAT32: {
        float v;
        memcpy(&v, p, 4);
        return v;
    }
    case ZD_FLOAT64: {
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    case ZD_COMPLEX64: {
        float v[2];
        memcpy(v, p, 8);
        return hypot(v[0], v[1]);
    }
    default: {
        double v[2];
        memcpy(v, p, 16);
        return hypot(v[0], v[1]);
    }
    }
}

/* The render's state: the walk, what one unit decodes into, the pixel values. */
typedef struct vw_reader {
    vw_walk w;
    st_store *st;
    zd_codec_ctx *ctx;
    uint8_t *unit;           /* one decoded unit */
    zd_buf enc;              /* one encoded unit or chunk */
    zd_shard_entry *entries; /* the open shard's index */
    double *px;              /* h * w values */
    double fill;
    vw_image *img;
} vw_reader;

/* Copy the current unit's elements (decoded in r->unit, or the fill value when `missing`) to
 * the pixels of runs ry, rx. */
static void vw_scatter(vw_reader *r, size_t ry, size_t rx, bool missing)
{
    const vw_array *a = r->w.a;
    const vw_slice *s = r->w.s;
    size_t esize = zd_dtype_size(a->meta->dtype);
    uint64_t stride[ZD_MAX_DIMS], base = 0, acc = 1;
    for (int d = s->ndim - 1; d >= 0; d--) {
        stride[d] = acc;
        acc *= a->unit[d];
    }
    for (int d = 0; d < s->ndim; d++)
        if (d != s->ydim && d != s->xdim)
            base += (s->at[d] - r->w.unit[d] * a->unit[d]) * stride[d];
    for (uint64_t i = r->w.ya.p0[ry]; i < r->w.ya.p0[ry + 1]; i++) {
        uint64_t row = base;
        if (s->ydim >= 0)
            row += (i * s->step_y - r->w.ya.u[ry] * a->unit[s->ydim]) * stride[s->ydim];
        for (uint64_t j = r->w.xa.p0[rx]; j < r->w.xa.p0[rx + 1]; j++) {
            uint64_t e = row + (j * s->step_x - r->w.xa.u[rx] * a->unit[s->xdim]) * stride[s->xdim];
            r->px[i * s->w + j] = missing ? r->fill : vw_value(a->meta->dtype, r->unit + e * esize);
        }
    }
}

/* Read len bytes at off of rd into r->enc and decode them as one unit into r->unit. */
static int vw_decode(vw_reader *r, st_reader *rd, uint64_t off, uint64_t len, const char *key,
                     zd_error *err)
{
    if (len > 2 * VW_MAX_BYTES)
        return zd_error_set(err, ZD_EOVERFLOW, "%s: %llu bytes, more than a preview reads", key,
                            (unsigned long long)len);
    zd_buf_reset(&r->enc);
    int rc = zd_buf_reserve(&r->enc, (size_t)len + 1);
    if (rc == 0) rc = rd->read(rd, off, r->enc.data, (size_t)len);
    if (rc) return zd_error_set(err, rc, "%s: cannot be read", key);
    r->img->decoded++;
    rc = zd_codec_chain_decode(r->w.a->unit_chain, r->ctx, r->enc.data, (size_t)len, r->unit,
                               (size_t)r->w.a->unit_bytes, err);
    if (rc) {
        char why[ZD_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        zd_error_set(err, rc, "%s: %s", key, why);
    }
    return rc;
}

/* Read the shard index of rd (size bytes) into r->entries. */
static int vw_shard_index(vw_reader *r, st_reader *rd, uint64_t size, const char *key,
                          zd_error *err)
{
    const zd_shard_layout *l = r->w.a->layout;
    size_t isize = zd_shard_index_size(l);
    if (size < isize) return zd_error_set(err, ZD_ECORRUPT, "%s: shorter than its index", key);
    zd_buf_reset(&r->enc);
    int rc = zd_buf_reserve(&r->enc, isize);
    if (rc == 0) rc = rd->read(rd, zd_shard_index_offset(l, size), r->enc.data, isize);
    if (rc) return zd_error_set(err, rc, "%s: cannot read its index", key);
    rc = zd_shard_index_decode(l, r->enc.data, isize, size, r->entries, err);
    if (rc) {
        char why[ZD_ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        zd_error_set(err, rc, "%s: %s", key, why);
    }
    return rc;
}

/* Every unit of the value group (runs [gy, ey) x [gx, ex)). */
static int vw_read_group(vw_reader *r, size_t gy, size_t ey, size_t gx, size_t ex, zd_error *err)
{
    const vw_slice *s = r->w.s;
    if (s->ydim >= 0) r->w.unit[s->ydim] = r->w.ya.u[gy];
    r->w.unit[s->xdim] = r->w.xa.u[gx];
    char key[ZD_MAX_KEY + ZD_CHUNK_KEY_MAX];
    uint64_t inner = 0;
    int rc = vw_value_key(&r->w, key, sizeof key, &inner);
    if (rc) return zd_error_set(err, rc, "chunk key too long");
    st_reader *rd = NULL;
    st_stat info;
    rc = r->st->open_read(r->st, key, &rd, &info);
    if (rc && rc != ZD_ENOTFOUND) return zd_error_set(err, rc, "%s: cannot be opened", key);
    bool absent = rc == ZD_ENOTFOUND;
    rc = 0;
    if (!absent && r->w.a->layout) rc = vw_shard_index(r, rd, info.size, key, err);
    for (size_t ry = gy; ry < ey && !rc; ry++)
        for (size_t rx = gx; rx < ex && !rc; rx++) {
            if (s->ydim >= 0) r->w.unit[s->ydim] = r->w.ya.u[ry];
            r->w.unit[s->xdim] = r->w.xa.u[rx];
            bool missing = absent;
            if (!absent && r->w.a->layout) {
                if ((rc = vw_value_key(&r->w, key, sizeof key, &inner)) != 0) break;
                const zd_shard_entry *e = &r->entries[inner];
                missing = e->offset == ZD_SHARD_EMPTY;
                if (!missing) rc = vw_decode(r, rd, e->offset, e->nbytes, key, err);
            } else if (!absent) {
                rc = vw_decode(r, rd, 0, info.size, key, err);
            }
            if (missing) r->img->missing++;
            if (!rc) vw_scatter(r, ry, rx, missing);
        }
    if (rd) rd->close(rd);
    return rc;
}

/* ---- colours ---- */

static int vw_colour(vw_reader *r, zd_error *err)
{
    const vw_slice *s = r->w.s;
    vw_image *img = r->img;
    uint64_t n = s->h * s->w;
    img->min = INFINITY;
    img->max = -INFINITY;
    for (uint64_t i = 0; i < n; i++) {
        double v = r->px[i];
        if (isnan(v))
            img->nans++;
        else if (isfinite(v)) {
            if (v < img->min) img->min = v;
            if (v > img->max) img->max = v;
        }
    }
    uint8_t *rgb = malloc(n * 3);
    if (!rgb) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    double span = img->max - img->min;
    for (uint64_t i = 0; i < n; i++) {
        double v = r->px[i];
        uint8_t *p = rgb + 3 * i;
        if (isnan(v)) {
            static const uint8_t nan_rgb[3] = {VW_NAN_RGB};
            memcpy(p, nan_rgb, 3);
            continue;
        }
        double t = !(span > 0)     ? 0.5
                   : v <= img->min ? 0
                   : v >= img->max ? 1
                                   : (v - img->min) / span;
        p[0] = p[1] = p[2] = (uint8_t)lround(t * 255);
    }
    int rc = vw_png_encode(rgb, (uint32_t)s->w, (uint32_t)s->h, &img->png);
    free(rgb);
    return rc ? zd_error_set(err, rc, "cannot encode the PNG") : 0;
}

int vw_render(st_store *st, const char *prefix, const vw_array *a, const vw_slice *s, vw_image *img,
              zd_error *err)
{
    *img = (vw_image){0};
    vw_reader *r = calloc(1, sizeof *r);
    if (!r) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    vw_walk_init(&r->w, a, s, prefix);
    r->st = st;
    r->img = img;
    r->fill = vw_value(a->meta->dtype, a->meta->fill);
    r->unit = malloc((size_t)a->unit_bytes + 1);
    r->px = malloc((size_t)(s->h * s->w) * sizeof *r->px);
    r->entries = a->layout ? malloc(a->layout->nchunks * sizeof *r->entries) : NULL;
    int rc = r->unit && r->px && (r->entries || !a->layout) ? zd_codec_ctx_new(&r->ctx) : ZD_ENOMEM;
    if (rc) zd_error_set(err, rc, "out of memory");
    uint64_t py = vw_per_value(a, s->ydim), px = vw_per_value(a, s->xdim);
    for (size_t gy = 0; gy < r->w.ya.n && !rc;) {
        size_t ey = vw_group_end(&r->w.ya, gy, py);
        for (size_t gx = 0; gx < r->w.xa.n && !rc;) {
            size_t ex = vw_group_end(&r->w.xa, gx, px);
            rc = vw_read_group(r, gy, ey, gx, ex, err);
            gx = ex;
        }
        gy = ey;
    }
    if (rc == 0) rc = vw_colour(r, err);
    if (r->ctx) zd_codec_ctx_free(r->ctx);
    free(r->unit);
    free(r->px);
    free(r->entries);
    zd_buf_free(&r->enc);
    free(r);
    if (rc) vw_image_free(img);
    return rc;
}

void vw_image_free(vw_image *img)
{
    zd_buf_free(&img->png);
}
