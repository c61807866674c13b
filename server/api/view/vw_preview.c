/* vw_preview.c: the preview on the page of an array and the image itself (see view.h,
 * vw_preview.h). `GET /array/?preview=png&...` answers image/png with a strong ETag naming the
 * slice and the versions of every value it reads (304 for If-None-Match), from the cache or
 * rendered; the page renders (or finds) the same image to show its colour scale, so the
 * browser's image request that follows is served from the cache. */
#include "view.h"

#include "api_xml.h"
#include "handlers.h"
#include "vw_cache.h"
#include "vw_internal.h"
#include "zd_cond.h"
#include "zd_query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool vw_wants_preview(cn_conn *c)
{
    char v[8];
    size_t n;
    bool found = false;
    return zd_query_get(c->req.query, c->req.query_len, "preview", v, sizeof v, &n, &found, NULL) ==
               0 &&
           found;
}

/* The preview of the request's slice of array a: planned, named, then found in the cache or
 * rendered (and cached). 0, or a code with err set. */
static int vw_preview_of(cn_conn *c, const char *prefix, vw_array *a, const char *meta_etag,
                         vw_slice *s, char *etag, vw_image *img, bool need_image, zd_error *err)
{
    int rc = vw_slice_plan(a, c->req.query, c->req.query_len, s, err);
    if (rc == 0) rc = vw_preview_etag(hd_store(c), prefix, a, meta_etag, s, etag, err);
    if (rc || !need_image || vw_cache_get(etag, img)) return rc;
    rc = vw_render(hd_store(c), prefix, a, s, img, err);
    if (rc == 0) vw_cache_put(etag, img);
    return rc;
}

/* The status a preview failure answers: 400 a bad slice parameter (or a group), 413 a chunk too
 * large to decode, 422 a zarr.json or codec chain that cannot be used, 500 a stored chunk that
 * does not decode. */
static int vw_status(int rc)
{
    switch (rc) {
    case ZD_EINVAL:
        return 400;
    case ZD_EOVERFLOW:
        return 413;
    case ZD_ENOMEM:
        return 503;
    case ZD_EUNSUPPORTED:
        return 422;
    default:
        return 500;
    }
}

void vw_preview(cn_conn *c)
{
    const zd_key *k = &c->req.key;
    char prefix[ZD_MAX_KEY + 2];
    size_t plen = k->len;
    memcpy(prefix, k->key, plen);
    if (plen) prefix[plen++] = '/';
    prefix[plen] = '\0';
    zd_meta *m = NULL;
    zd_error err = {0};
    char meta_etag[ST_ETAG_MAX], etag[VW_ETAG_MAX];
    int rc = vw_read_meta(hd_store(c), prefix, plen, &m, meta_etag, &err);
    if (rc == ZD_ENOTFOUND) {
        rs_error(c, 404, "not found", "no zarr.json at this prefix");
        return;
    }
    if (rc == 0 && m->node_type != ZD_NODE_ARRAY)
        rc = zd_error_set(&err, ZD_EINVAL, "a group has no preview");
    else if (rc && rc != ZD_ENOMEM)
        rc = ZD_EUNSUPPORTED; /* zarr.json does not parse: 422 */
    vw_array a = {0};
    if (rc == 0 && (rc = vw_array_open(m, &a, &err)) != 0) rc = ZD_EUNSUPPORTED; /* 422 */
    vw_slice s;
    vw_image img = {0};
    if (rc == 0) rc = vw_preview_of(c, prefix, &a, meta_etag, &s, etag, &img, false, &err);
    size_t n;
    const char *inm = rc ? NULL : cn_header_get(c, "if-none-match", &n);
    bool match = false;
    if (inm && zd_etag_list_match(inm, n, etag, true, &match, NULL) == 0 && match) {
        rs_begin(c, 304);
        rs_header(c, "ETag", etag);
        rs_send(c, NULL, NULL, 0);
    } else if (rc == 0 && !vw_cache_get(etag, &img) &&
               (rc = vw_render(hd_store(c), prefix, &a, &s, &img, &err)) == 0) {
        vw_cache_put(etag, &img);
    }
    if (rc) {
        rs_error(c, vw_status(rc), "no preview", "%s", err.msg);
    } else if (!match) {
        rs_begin(c, 200);
        rs_header(c, "ETag", etag);
        rs_header(c, "Cache-Control", "no-cache");
        rs_send(c, "image/png", img.png.data, img.png.len);
    }
    vw_image_free(&img);
    vw_array_close(&a);
    zd_meta_free(m);
}

/* The name of dimension d: its dimension_names entry, or "dim d". */
static void vw_dim_name(zd_buf *out, const zd_meta *m, int d)
{
    const cJSON *n = m->dimension_names ? cJSON_GetArrayItem(m->dimension_names, d) : NULL;
    if (cJSON_IsString(n))
        ax_escape(out, n->valuestring, strlen(n->valuestring));
    else
        zd_buf_appendf(out, "dim %d", d);
}

static void vw_dim_select(zd_buf *out, const zd_meta *m, const char *name, int chosen)
{
    zd_buf_appendf(out, "<label>%s <select name=\"%s\">", name, name);
    for (int d = 0; d < m->ndim; d++) {
        zd_buf_appendf(out, "<option value=\"%d\"%s>", d, d == chosen ? " selected" : "");
        vw_dim_name(out, m, d);
        zd_buf_append_str(out, "</option>");
    }
    zd_buf_append_str(out, "</select></label>\n");
}

/* The form that picks the slice: which dimensions are rows and columns, and where the others
 * are cut. Plain GET form, no script. */
static void vw_form(zd_buf *out, const zd_meta *m, const vw_slice *s)
{
    zd_buf_append_str(out, "<form method=\"get\" id=\"slice\">\n");
    if (m->ndim > 1) vw_dim_select(out, m, "y", s->ydim);
    vw_dim_select(out, m, "x", s->xdim);
    for (int d = 0; d < m->ndim; d++) {
        if (d == s->ydim || d == s->xdim || m->shape[d] == 0) continue;
        zd_buf_append_str(out, "<label>");
        vw_dim_name(out, m, d);
        zd_buf_appendf(out,
                       " <input type=\"number\" name=\"i%d\" min=\"0\" max=\"%llu\" "
                       "value=\"%llu\"></label>\n",
                       d, (unsigned long long)(m->shape[d] - 1), (unsigned long long)s->at[d]);
    }
    zd_buf_append_str(out, "<button type=\"submit\">show</button></form>\n");
}

void vw_preview_section(cn_conn *c, zd_buf *out, const char *prefix, size_t plen, const zd_meta *m,
                        const char *meta_etag)
{
    (void)plen;
    zd_buf_append_str(out, "<h2>Preview</h2>\n");
    vw_array a = {0};
    vw_slice s = {0};
    vw_image img = {0};
    char etag[VW_ETAG_MAX];
    zd_error err = {0};
    int rc = vw_array_open(m, &a, &err);
    if (rc == 0) rc = vw_preview_of(c, prefix, &a, meta_etag, &s, etag, &img, true, &err);
    if (rc) {
        zd_buf_append_str(out, "<p id=\"preview-error\">No preview: ");
        ax_escape(out, err.msg, strlen(err.msg));
        zd_buf_append_str(out, "</p>\n");
        if (s.ndim) vw_form(out, m, &s);
        vw_array_close(&a);
        return;
    }
    vw_form(out, m, &s);
    uint64_t side = s.h > s.w ? s.h : s.w, zoom = side >= 256 ? 1 : (256 + side - 1) / side;
    zd_buf_append_str(out, "<p><img class=\"preview\" id=\"preview\" src=\"?preview=png&amp;");
    vw_slice_query(&s, out);
    zd_buf_appendf(out, "\" width=\"%llu\" height=\"%llu\" alt=\"preview\"></p>\n",
                   (unsigned long long)(s.w * zoom), (unsigned long long)(s.h * zoom));
    zd_buf_append_str(out, "<p id=\"scale\">");
    if (img.min <= img.max)
        zd_buf_appendf(out,
                       "<span class=\"swatch\" style=\"background:#000\"></span> "
                       "<span id=\"min\">%.6g</span> to <span class=\"swatch\" "
                       "style=\"background:#fff\"></span> <span id=\"max\">%.6g</span>",
                       img.min, img.max);
    else
        zd_buf_append_str(out, "no finite values");
    zd_buf_appendf(out,
                   "; <span class=\"swatch\" style=\"background:" VW_NAN_RGB_CSS
                   "\"></span> NaN: <span id=\"nans\">%llu</span> pixels. "
                   "<span id=\"size\">%llu × %llu</span> pixels, every %llu. row and %llu. "
                   "column; %llu chunks decoded, %llu empty (fill value).</p>\n",
                   (unsigned long long)img.nans, (unsigned long long)s.w, (unsigned long long)s.h,
                   (unsigned long long)s.step_y, (unsigned long long)s.step_x,
                   (unsigned long long)img.decoded, (unsigned long long)img.missing);
    vw_image_free(&img);
    vw_array_close(&a);
}
