/* vw_node.c: the Zarr node section of a listing page (see view.h): for a prefix holding a
 * zarr.json, the node type and, for arrays, shape, data type, chunk (and shard) shape, chunk
 * key encoding, codecs, fill value and dimension names; for every node its attributes, and
 * what is stored below it (an array's chunks, counted by decoding their keys; a group's
 * values), then for arrays the preview (vw_preview.c). Everything taken from the store is
 * escaped. */
#include "vw_internal.h"

#include "api_xml.h"
#include "handlers.h"
#include "zd_fill.h"
#include "zd_grid.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int vw_read_meta(st_store *s, const char *prefix, size_t plen, zd_meta **meta, char *etag,
                 zd_error *err)
{
    char key[ZD_MAX_KEY + 16];
    if (plen + sizeof "zarr.json" > sizeof key) return ZD_ENOTFOUND;
    memcpy(key, prefix, plen);
    memcpy(key + plen, "zarr.json", sizeof "zarr.json");
    st_reader *rd;
    st_stat st;
    int rc = s->open_read(s, key, &rd, &st);
    if (rc) return rc;
    if (st.size > VW_META_MAX) {
        rd->close(rd);
        return zd_error_set(err, ZD_EOVERFLOW, "zarr.json is larger than %u bytes", VW_META_MAX);
    }
    char *text = malloc((size_t)st.size + 1);
    rc = text ? rd->read(rd, 0, text, (size_t)st.size) : ZD_ENOMEM;
    rd->close(rd);
    if (rc == 0)
        rc = zd_meta_parse(text, (size_t)st.size, meta, err);
    else
        zd_error_set(err, rc, "zarr.json could not be read");
    free(text);
    if (rc == 0 && etag) memcpy(etag, st.etag, ST_ETAG_MAX);
    return rc;
}

/* A table row whose value is escaped text. */
static void vw_row(zd_buf *out, const char *name, const char *value)
{
    zd_buf_appendf(out, "<tr><td>%s</td><td>", name);
    ax_escape(out, value, strlen(value));
    zd_buf_append_str(out, "</td></tr>\n");
}

static void vw_shape_row(zd_buf *out, const char *name, const char *id, int ndim, const uint64_t *v)
{
    zd_buf_appendf(out, "<tr><td>%s</td><td id=\"%s\">", name, id);
    for (int d = 0; d < ndim; d++)
        zd_buf_appendf(out, d ? " × %" PRIu64 : "%" PRIu64, v[d]);
    zd_buf_append_str(out, ndim ? "</td></tr>\n" : "()</td></tr>\n");
}

/* A JSON value, printed compactly and escaped, as a row (skipped when NULL). */
static void vw_json_row(zd_buf *out, const char *name, const char *id, const cJSON *j, bool pre)
{
    if (!j) return;
    char *text = pre ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
    if (!text) return;
    zd_buf_appendf(out, "<tr><td>%s</td><td id=\"%s\">%s", name, id, pre ? "<pre>" : "<code>");
    ax_escape(out, text, strlen(text));
    zd_buf_append_str(out, pre ? "</pre></td></tr>\n" : "</code></td></tr>\n");
    free(text);
}

/* The inner chunk shape when the array's only array->bytes codec is sharding_indexed. */
static const cJSON *vw_inner_chunks(const zd_meta *m)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, m->codecs)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (cJSON_IsString(name) && strcmp(name->valuestring, "sharding_indexed") == 0) {
            const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(c, "configuration");
            return cJSON_GetObjectItemCaseSensitive(cfg, "chunk_shape");
        }
    }
    return NULL;
}

/* Count what is stored below the node: an array's chunks (keys that decode as chunk keys of
 * its grid), or a group's values. */
static void vw_stored(cn_conn *c, zd_buf *out, const char *prefix, size_t plen, const zd_meta *m)
{
    st_store *s = hd_store(c);
    char key[ZD_MAX_KEY + 1];
    memcpy(key, prefix, plen);
    key[plen ? plen - 1 : 0] = '\0';
    st_list l = {0};
    if (s->list(s, key, true, &l)) {
        st_list_free(&l);
        return;
    }
    zd_grid g;
    bool array = m->node_type == ZD_NODE_ARRAY && zd_meta_grid(m, &g) == 0;
    uint64_t n = 0, bytes = 0, coords[ZD_MAX_DIMS];
    for (size_t i = 0; i < l.n; i++) {
        const st_entry *e = &l.v[i];
        if (array &&
            zd_grid_key_decode(&g, &m->key_encoding, e->name, strlen(e->name), coords, NULL) != 0)
            continue;
        n++;
        bytes += e->size;
    }
    st_list_free(&l);
    uint64_t total = 0;
    if (array) zd_grid_total_chunks(&g, &total);
    if (array)
        zd_buf_appendf(out,
                       "<tr><td>stored chunks</td><td id=\"stored\">%" PRIu64 " of %" PRIu64
                       ", %" PRIu64 " bytes</td></tr>\n",
                       n, total, bytes);
    else
        zd_buf_appendf(out,
                       "<tr><td>stored values</td><td id=\"stored\">%" PRIu64 ", %" PRIu64
                       " bytes</td></tr>\n",
                       n, bytes);
}

static void vw_array_rows(zd_buf *out, const zd_meta *m)
{
    vw_shape_row(out, "shape", "shape", m->ndim, m->shape);
    vw_row(out, "data type", zd_dtype_name(m->dtype));
    const cJSON *inner = vw_inner_chunks(m);
    vw_shape_row(out, inner ? "shard shape" : "chunk shape", inner ? "shards" : "chunks", m->ndim,
                 m->chunk_shape);
    if (inner) vw_json_row(out, "chunk shape", "chunks", inner, false);
    char enc[16];
    snprintf(enc, sizeof enc, "%s, \"%c\"", m->key_encoding.kind == ZD_KEY_V2 ? "v2" : "default",
             m->key_encoding.separator);
    vw_row(out, "chunk keys", enc);
    vw_json_row(out, "codecs", "codecs", m->codecs, false);
    cJSON *fill = zd_fill_to_json(m->dtype, m->fill);
    vw_json_row(out, "fill value", "fill", fill, false);
    cJSON_Delete(fill);
    vw_json_row(out, "dimension names", "dims", m->dimension_names, false);
}

void vw_node_section(cn_conn *c, zd_buf *out, const char *prefix, size_t plen)
{
    zd_meta *m = NULL;
    zd_error err = {0};
    char etag[ST_ETAG_MAX];
    int rc = vw_read_meta(hd_store(c), prefix, plen, &m, etag, &err);
    if (rc == ZD_ENOTFOUND) return;
    if (rc) {
        zd_buf_append_str(out, "<p id=\"node-error\">zarr.json: ");
        ax_escape(out, err.msg, strlen(err.msg));
        zd_buf_append_str(out, "</p>\n");
        return;
    }
    bool array = m->node_type == ZD_NODE_ARRAY;
    zd_buf_appendf(out, "<h2 id=\"node\">Zarr %s</h2>\n<table class=\"meta\">\n",
                   array ? "array" : "group");
    if (array) vw_array_rows(out, m);
    vw_stored(c, out, prefix, plen, m);
    vw_json_row(out, "attributes", "attributes", m->attributes, true);
    zd_buf_append_str(out, "</table>\n");
    if (array) vw_preview_section(c, out, prefix, plen, m, etag);
    zd_meta_free(m);
}
