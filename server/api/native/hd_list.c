/* hd_list.c: listings, `GET /prefix/` (`/` = root), `?recursive=1` for every key below.
 *
 * JSON (default): {"prefix":"a/b/","entries":[{"name":"x","size":3},
 * {"name":"c/","dir":true}]}, entries sorted by name; "prefix" is the listed key prefix
 * with its trailing '/' ("" for the root). Recursive listings name every value by its path
 * relative to the prefix and have no "dir" entries. A prefix with nothing below it lists
 * empty (200). HTML links instead when the Accept header prefers text/html to JSON. */
#include "handlers.h"

#include "zd_ctype.h"
#include "zd_query.h"

#include <stdlib.h>
#include <string.h>

/* q-value of media range `type` in an Accept header (exact match, else the wildcard
 * fallbacks TYPE/any and any/any); -1 if not accepted at all. */
static double list_accept_q(const char *h, size_t len, const char *type)
{
    double best = -1;
    int best_spec = -1;
    size_t major_len = (size_t)(strchr(type, '/') - type);
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && h[end] != ',')
            end++;
        const char *m = h + i;
        size_t mlen = end - i;
        const char *semi = memchr(m, ';', mlen);
        size_t tlen = semi ? (size_t)(semi - m) : mlen;
        zd_trim_ows(&m, &tlen);
        int spec = -1;
        if (zd_ascii_caseeq(m, tlen, type))
            spec = 2;
        else if (tlen == major_len + 2 && strncasecmp(m, type, major_len + 1) == 0 &&
                 m[major_len + 1] == '*')
            spec = 1;
        else if (tlen == 3 && memcmp(m, "*/*", 3) == 0)
            spec = 0;
        if (spec > best_spec) {
            double q = 1;
            const char *qp = semi ? strstr(semi, "q=") : NULL;
            if (qp && qp < h + end) q = strtod(qp + 2, NULL);
            best = q;
            best_spec = spec;
        }
        i = end + 1;
    }
    return best;
}

static bool list_wants_html(cn_conn *c)
{
    size_t n;
    const char *h = cn_header_get(c, "accept", &n);
    if (!h) return false;
    double html = list_accept_q(h, n, "text/html");
    return html > 0 && html > list_accept_q(h, n, "application/json");
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
            zd_buf_append_str(out, ",\"dir\":true}");
        else
            zd_buf_appendf(out, ",\"size\":%lu}", (unsigned long)e->size);
    }
    zd_buf_append_str(out, "]}\n");
}

static void list_html_text(zd_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            zd_buf_append_str(out, "&amp;");
            break;
        case '<':
            zd_buf_append_str(out, "&lt;");
            break;
        case '>':
            zd_buf_append_str(out, "&gt;");
            break;
        case '"':
            zd_buf_append_str(out, "&quot;");
            break;
        default:
            zd_buf_append(out, s + i, 1);
            break;
        }
    }
}

static void list_html(zd_buf *out, const char *prefix, size_t plen, const st_list *l)
{
    zd_buf_append_str(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>/");
    list_html_text(out, prefix, plen);
    zd_buf_append_str(out, "</title></head><body><h1>/");
    list_html_text(out, prefix, plen);
    zd_buf_append_str(out, "</h1><ul>\n");
    zd_buf path = {0};
    for (size_t i = 0; i < l->n; i++) {
        const st_entry *e = &l->v[i];
        zd_buf_reset(&path);
        zd_buf_append(&path, prefix, plen);
        zd_buf_append(&path, e->name, strlen(e->name) - e->dir); /* without a dir's '/' */
        zd_buf href = {0};
        zd_key_to_path((const char *)path.data, path.len, &href);
        zd_buf_append_str(out, "<li><a href=\"");
        list_html_text(out, (const char *)href.data, href.len);
        zd_buf_append_str(out, e->dir ? "/\">" : "\">");
        list_html_text(out, e->name, strlen(e->name));
        if (e->dir)
            zd_buf_append_str(out, "</a></li>\n");
        else
            zd_buf_appendf(out, "</a> %lu bytes</li>\n", (unsigned long)e->size);
        zd_buf_free(&href);
    }
    zd_buf_free(&path);
    zd_buf_append_str(out, "</ul></body></html>\n");
}

static void list_finish(cn_conn *c)
{
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
    char prefix[ZD_MAX_KEY + 2];
    size_t plen = k->len;
    memcpy(prefix, k->key, plen);
    if (plen) prefix[plen++] = '/';
    prefix[plen] = '\0';
    zd_buf out = {0};
    bool html = list_wants_html(c);
    if (html)
        list_html(&out, prefix, plen, &l);
    else
        list_json(&out, prefix, plen, &l);
    st_list_free(&l);
    rs_begin(c, 200);
    rs_header(c, "Vary", "Accept");
    rs_send(c, html ? "text/html; charset=utf-8" : "application/json", out.data, out.len);
    zd_buf_free(&out);
}

const hd_handler hd_list = {.finish = list_finish};
