/* hd_list.c: listings, `GET /prefix/` (`/` = root), `?recursive=1` for every key below.
 *
 * Two forms, chosen by content negotiation (server/API.md, "Listings"): JSON only when the
 * client asks for it by name, `?format=json` or an Accept header whose exact
 * `application/json` range has a weight above 0 and at least that of text/html; HTML otherwise
 * (`Accept: * / *`, browsers, fsspec, rclone's http backend), with `?format=html` to force it.
 *
 * JSON: {"prefix":"a/b/","entries":[{"name":"x","size":3,"mtime":1700000000},
 * {"name":"c/","dir":true}]}, entries sorted by name; "prefix" is the listed key prefix with
 * its trailing '/' ("" for the root). Recursive listings name every value by its path relative
 * to the prefix and have no "dir" entries. An empty collection (a WebDAV MKCOL's) lists empty
 * (200); a prefix that names no collection is 404.
 * The HTML page (links, sizes, dates, and a Zarr node's metadata and preview) is the view's
 * (server/api/view/). */
#include "handlers.h"

#include "view.h"
#include "zd_accept.h"
#include "zd_query.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* JSON (1), HTML (0), or -1 after answering 400 for a bad ?format=. */
static int list_wants_json(cn_conn *c)
{
    char v[8];
    size_t vlen;
    bool found = false;
    zd_error err = {0};
    if (zd_query_get(c->req.query, c->req.query_len, "format", v, sizeof v, &vlen, &found, &err) ||
        (found && strcmp(v, "json") != 0 && strcmp(v, "html") != 0)) {
        rs_error(c, 400, "bad format", "?format= takes json or html");
        return -1;
    }
    if (found) return strcmp(v, "json") == 0;
    size_t n;
    const char *h = cn_header_get(c, "accept", &n);
    if (!h) return 0;
    int json = zd_accept_quality(h, n, "application/json", true);
    return json > 0 && json >= zd_accept_quality(h, n, "text/html", false);
}

static bool list_recursive(cn_conn *c)
{
    char v[8];
    size_t vlen;
    bool found = false;
    zd_error err;
    if (zd_query_get(c->req.query, c->req.query_len, "recursive", v, sizeof v, &vlen, &found, &err))
        return false;
    return found && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static void list_json(zd_buf *out, const char *prefix, size_t plen, const st_list *l)
{
    zd_buf_append_str(out, "{\"prefix\":");
    rs_json_string(out, prefix, plen);
    zd_buf_append_str(out, ",\"entries\":[");
    for (size_t i = 0; i < l->n; i++) {
        const st_entry *e = &l->v[i];
        zd_buf_append_str(out, i ? ",{\"name\":" : "{\"name\":");
        rs_json_string(out, e->name, strlen(e->name));
        if (e->dir)
            zd_buf_append_str(out, ",\"dir\":true");
        else
            zd_buf_appendf(out, ",\"size\":%" PRIu64, e->size);
        if (e->mtime_ns) zd_buf_appendf(out, ",\"mtime\":%" PRIu64, e->mtime_ns / 1000000000u);
        zd_buf_append_str(out, "}");
    }
    zd_buf_append_str(out, "]}\n");
}

static void list_finish(cn_conn *c)
{
    if (vw_wants_preview(c)) {
        vw_preview(c);
        return;
    }
    int json = list_wants_json(c);
    if (json < 0) return;
    st_store *s = hd_store(c);
    const zd_key *k = &c->req.key;
    st_list l = {0};
    int rc = s->list(s, k->key, list_recursive(c), &l);
    if (rc) {
        st_list_free(&l);
        hd_store_error(c, rc, "listing");
        return;
    }
    st_list_sort(&l);
    st_stat st;
    bool col = true;
    if (l.n == 0 && k->len && (s->lookup(s, k->key, &st, &col) != 0 || !col)) {
        st_list_free(&l);
        rs_error(c, 404, "not found", "no collection at this prefix");
        return;
    }
    char prefix[ZD_MAX_KEY + 2];
    size_t plen = k->len;
    memcpy(prefix, k->key, plen);
    if (plen) prefix[plen++] = '/';
    prefix[plen] = '\0';
    if (!json) {
        vw_page(c, prefix, plen, &l);
        st_list_free(&l);
        return;
    }
    zd_buf out = {0};
    list_json(&out, prefix, plen, &l);
    st_list_free(&l);
    rs_begin(c, 200);
    rs_header(c, "Vary", "Accept");
    rs_send(c, "application/json", out.data, out.len);
    zd_buf_free(&out);
}

const hd_handler hd_list = {.finish = list_finish};
