/* vw_slice.c: the preview's array and slice plan (see vw_preview.h): query parameters, the
 * sampling steps and the work bound. */
#include "vw_preview.h"

#include "zd_ctype.h"
#include "zd_query.h"

#include <stdio.h>
#include <string.h>

int vw_array_open(const zd_meta *m, vw_array *a, zd_error *err)
{
    *a = (vw_array){.meta = m};
    zd_chunk_spec spec;
    int rc = zd_meta_chunk_spec(m, &spec);
    if (rc == 0) rc = zd_codec_chain_new(m->codecs, &spec, &a->chain, err);
    if (rc) return rc;
    a->layout = zd_codec_chain_shard_layout(a->chain);
    a->unit_chain = a->layout ? zd_codec_chain_inner(a->chain) : a->chain;
    memcpy(a->unit, zd_codec_chain_spec(a->unit_chain)->shape, sizeof a->unit);
    a->unit_bytes = zd_codec_chain_decoded_size(a->unit_chain);
    return 0;
}

void vw_array_close(vw_array *a)
{
    zd_codec_chain_free(a->chain);
    a->chain = NULL;
}

/* Query parameter `name` as a number below `limit`: 0 (*v set), 1 absent, or ZD_EINVAL. */
static int vw_param(const char *q, size_t qlen, const char *name, uint64_t limit, uint64_t *v,
                    zd_error *err)
{
    char buf[24];
    size_t n;
    bool found = false;
    if (zd_query_get(q, qlen, name, buf, sizeof buf, &n, &found, NULL) == 0 && !found) return 1;
    if (!found || !zd_parse_u64(buf, n, v) || *v >= limit)
        return zd_error_set(err, ZD_EINVAL, "%s must be a number below %llu", name,
                            (unsigned long long)limit);
    return 0;
}

/* Distinct units touched by n samples step apart in units of `unit` elements. */
static uint64_t vw_units_touched(uint64_t n, uint64_t step, uint64_t unit)
{
    uint64_t count = 0, last = UINT64_MAX;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t u = i * step / unit;
        if (u != last) count++;
        last = u;
    }
    return count;
}

int vw_slice_plan(const vw_array *a, const char *q, size_t qlen, vw_slice *s, zd_error *err)
{
    const zd_meta *m = a->meta;
    *s = (vw_slice){.ndim = m->ndim, .ydim = m->ndim - 2, .xdim = m->ndim - 1};
    if (m->ndim == 0) return zd_error_set(err, ZD_EINVAL, "a 0-d array has no slice to show");
    uint64_t v;
    int rc;
    if ((rc = vw_param(q, qlen, "x", (uint64_t)m->ndim, &v, err)) < 0) return rc;
    if (rc == 0) s->xdim = (int)v;
    if (m->ndim > 1) {
        if ((rc = vw_param(q, qlen, "y", (uint64_t)m->ndim, &v, err)) < 0) return rc;
        if (rc == 0) s->ydim = (int)v;
        if (s->ydim == s->xdim) return zd_error_set(err, ZD_EINVAL, "x and y must differ");
    }
    for (int d = 0; d < m->ndim; d++) {
        char name[16];
        snprintf(name, sizeof name, "i%d", d);
        s->at[d] = m->shape[d] / 2;
        if (d == s->ydim || d == s->xdim) continue;
        if (m->shape[d] == 0) return zd_error_set(err, ZD_EINVAL, "dimension %d is empty", d);
        if ((rc = vw_param(q, qlen, name, m->shape[d], &v, err)) < 0) return rc;
        if (rc == 0) s->at[d] = v;
    }
    uint64_t hy = s->ydim >= 0 ? m->shape[s->ydim] : 1, wx = m->shape[s->xdim];
    if (hy == 0 || wx == 0) return zd_error_set(err, ZD_EINVAL, "the slice is empty");
    uint64_t uy = s->ydim >= 0 ? a->unit[s->ydim] : 1, ux = a->unit[s->xdim];
    s->step_y = (hy + VW_MAX_SIDE - 1) / VW_MAX_SIDE;
    s->step_x = (wx + VW_MAX_SIDE - 1) / VW_MAX_SIDE;
    for (;;) {
        s->h = (hy + s->step_y - 1) / s->step_y;
        s->w = (wx + s->step_x - 1) / s->step_x;
        uint64_t units =
            vw_units_touched(s->h, s->step_y, uy) * vw_units_touched(s->w, s->step_x, ux);
        if (units <= VW_MAX_CHUNKS && a->unit_bytes <= VW_MAX_BYTES / units) return 0;
        if (s->h == 1 && s->w == 1)
            return zd_error_set(err, ZD_EOVERFLOW,
                                "one chunk decodes to %llu bytes, more than a preview reads",
                                (unsigned long long)a->unit_bytes);
        if (s->h > 1) s->step_y *= 2;
        if (s->w > 1) s->step_x *= 2;
    }
}

void vw_slice_query(const vw_slice *s, zd_buf *out)
{
    zd_buf_appendf(out, "x=%d", s->xdim);
    if (s->ydim >= 0) zd_buf_appendf(out, "&amp;y=%d", s->ydim);
    for (int d = 0; d < s->ndim; d++)
        if (d != s->ydim && d != s->xdim)
            zd_buf_appendf(out, "&amp;i%d=%llu", d, (unsigned long long)s->at[d]);
}
