/* dav_common.c: what the WebDAV handlers share (see dav_internal.h). */
#include "dav_internal.h"

#include "api_xml.h"
#include "metrics.h"
#include "store_tree.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

bool dav_is_method(int method)
{
    return method == HTTP_PROPFIND || method == HTTP_PROPPATCH || method == HTTP_MKCOL ||
           method == HTTP_COPY || method == HTTP_MOVE;
}

bool dav_has_body(cn_conn *c)
{
    return c->req.chunked || (c->req.has_length && c->req.content_length > 0);
}

int dav_depth(cn_conn *c, int absent)
{
    size_t n;
    const char *h = cn_header_get(c, "depth", &n);
    if (!h) return absent;
    zd_trim_ows(&h, &n);
    if (n == 1 && (h[0] == '0' || h[0] == '1')) return h[0] - '0';
    return zd_ascii_caseeq(h, n, "infinity") ? DAV_INFINITY : -2;
}

int dav_overwrite(cn_conn *c, bool *overwrite)
{
    size_t n;
    const char *h = cn_header_get(c, "overwrite", &n);
    *overwrite = true;
    if (!h) return 0;
    zd_trim_ows(&h, &n);
    if (n != 1 || (h[0] != 'T' && h[0] != 'F')) return -1;
    *overwrite = h[0] == 'T';
    return 0;
}

/* The path of an absolute URI "scheme://authority/path" whose authority is this request's
 * Host (case-insensitively), or the value itself when it is an absolute path. NULL and *other
 * set when the URI names another server; NULL alone when malformed. */
static const char *dav_dest_path(cn_conn *c, const char *v, size_t n, size_t *plen, bool *other)
{
    *other = false;
    if (n && v[0] == '/') {
        *plen = n;
        return v;
    }
    const char *sep = n > 3 ? memmem(v, n, "://", 3) : NULL;
    if (!sep) return NULL;
    const char *auth = sep + 3, *end = v + n;
    const char *path = memchr(auth, '/', (size_t)(end - auth));
    if (!path) path = end;
    size_t hlen;
    const char *host = cn_header_get(c, "host", &hlen);
    size_t alen = (size_t)(path - auth);
    if (alen == 0) return NULL;
    bool same = host && hlen == alen;
    for (size_t i = 0; same && i < alen; i++)
        same = zd_ascii_lower((unsigned char)auth[i]) == zd_ascii_lower((unsigned char)host[i]);
    if (!same) {
        *other = true;
        return NULL;
    }
    *plen = (size_t)(end - path);
    return *plen ? path : "/";
}

int dav_destination(cn_conn *c, zd_key *dst)
{
    size_t n;
    const char *v = cn_header_get(c, "destination", &n);
    if (!v) {
        dav_error(c, 400, NULL, "no destination", "%s needs a Destination header",
                  llhttp_method_name(c->req.method));
        return -1;
    }
    zd_trim_ows(&v, &n);
    bool other;
    size_t plen = 0;
    const char *path = dav_dest_path(c, v, n, &plen, &other);
    if (other) {
        dav_error(c, 502, NULL, "destination on another server",
                  "the Destination names a server other than this request's Host");
        return -1;
    }
    if (path) { /* drop a query or fragment */
        const char *q = memchr(path, '?', plen), *f = memchr(path, '#', plen);
        if (q) plen = (size_t)(q - path);
        if (f && (size_t)(f - path) < plen) plen = (size_t)(f - path);
    }
    zd_error err = {0};
    if (!path || zd_key_from_path(path, plen, dst, &err)) {
        dav_error(c, 400, NULL, "bad destination", "%s", path ? err.msg : "not a URI or path");
        return -1;
    }
    if (st_key_reserved(dst->key, dst->len)) {
        dav_error(c, 400, NULL, "bad destination",
                  "key segments starting with \"" ST_RESERVED_PREFIX "\" are reserved");
        return -1;
    }
    if (dst->len >= 6 && memcmp(dst->key, "_zarrd", 6) == 0 &&
        (dst->len == 6 || dst->key[6] == '/')) {
        dav_error(c, 403, NULL, "forbidden", "/_zarrd/ holds the service endpoints, not keys");
        return -1;
    }
    const au_table *auth = c->w->shared->auth;
    if (auth) {
        size_t alen = 0;
        const char *authz = cn_header_get(c, "authorization", &alen);
        if (au_check(auth, authz, alen, dst->key, dst->len, true)) {
            dav_error(c, 403, NULL, "forbidden",
                      "the token does not grant write access to the destination");
            return -1;
        }
    }
    return 0;
}

void dav_href(zd_buf *out, const char *key, size_t len, bool collection)
{
    zd_buf path = {0};
    zd_key_to_path(key, len, &path); /* "/" + encoded key */
    if (collection && len) zd_buf_append(&path, "/", 1);
    ax_escape(out, (const char *)path.data, path.len);
    zd_buf_free(&path);
}

void dav_ms_begin(zd_buf *out)
{
    zd_buf_append_str(out, DAV_XML_HEADER "<D:multistatus xmlns:D=\"DAV:\">\n");
}

void dav_ms_end(zd_buf *out)
{
    zd_buf_append_str(out, "</D:multistatus>\n");
}

void dav_ms_status(zd_buf *out, const char *key, bool collection, int status, const char *why)
{
    zd_buf_append_str(out, "<D:response><D:href>");
    dav_href(out, key, strlen(key), collection);
    zd_buf_appendf(out, "</D:href><D:status>HTTP/1.1 %d %s</D:status>", status, rs_reason(status));
    if (why) ax_elem(out, "D:responsedescription", why, strlen(why));
    zd_buf_append_str(out, "</D:response>\n");
}

void dav_send_multistatus(cn_conn *c, const zd_buf *body)
{
    rs_begin(c, 207);
    rs_send(c, "application/xml; charset=utf-8", body->data, body->len);
}

void dav_tree_failed(cn_conn *c, const st_tree_fail *f)
{
    zd_buf out = {0};
    dav_ms_begin(&out);
    dav_ms_status(&out, f->key, f->collection, dav_status_of(f->rc), NULL);
    dav_ms_end(&out);
    dav_send_multistatus(c, &out);
    zd_buf_free(&out);
}

static void dav_error_body(cn_conn *c, const char *precond, const char *error, const char *detail)
{
    zd_buf x = {0};
    zd_buf_append_str(&x, DAV_XML_HEADER "<D:error xmlns:D=\"DAV:\" xmlns:z=\"" DAV_NS_ZARRD "\">");
    if (precond) zd_buf_appendf(&x, "<D:%s/>", precond);
    ax_elem(&x, "z:error", error, strlen(error));
    ax_elem(&x, "z:detail", detail, strlen(detail));
    zd_buf_append_str(&x, "</D:error>\n");
    rs_send(c, "application/xml; charset=utf-8", x.data, x.len);
    zd_buf_free(&x);
}

void dav_error_writer(cn_conn *c, const char *error, const char *detail)
{
    dav_error_body(c, NULL, error, detail);
}

void dav_error(cn_conn *c, int status, const char *precond, const char *error, const char *fmt, ...)
{
    char detail[ZD_ERRMSG_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    rs_begin(c, status);
    dav_error_body(c, precond, error, detail);
}

int dav_status_of(int rc)
{
    switch (rc) {
    case ZD_ENOTFOUND:
        return 404;
    case ZD_EBADKEY:
    case ZD_EINVAL:
        return 400;
    case ZD_EISDIR:
    case ZD_ENOTEMPTY:
    case ZD_EEXIST:
        return 409;
    case ZD_EPRECOND:
        return 412;
    case ZD_EOVERFLOW:
        return 413;
    case ZD_ENOSPC:
        return 507;
    case ZD_ENOMEM:
        return 503;
    default:
        return 500;
    }
}

void dav_store_error(cn_conn *c, int rc, const char *what)
{
    c->req.error_writer = dav_error_writer;
    hd_store_error(c, rc, what);
}

dav_outcome *dav_outcome_of(cn_conn *c)
{
    if (!c->req.work_state) c->req.work_state = calloc(1, sizeof(dav_outcome));
    if (!c->req.work_state) c->req.work_rc = ZD_ENOMEM;
    return c->req.work_state;
}

void dav_refuse(dav_outcome *o, int status, const char *precond, const char *error, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
    o->status = status;
    o->precond = precond;
    o->error = error;
}

void dav_store_failed(dav_outcome *o, int rc, const char *what)
{
    o->status = 0;
    o->rc = rc;
    o->what = what;
}

st_tree_fail *dav_outcome_fail(dav_outcome *o)
{
    if (!o->fail) o->fail = malloc(sizeof *o->fail);
    return o->fail;
}

void dav_answer(cn_conn *c)
{
    dav_outcome *o = c->req.work_state;
    c->req.work_state = NULL;
    if (!o) {
        dav_store_error(c, c->req.work_rc ? c->req.work_rc : ZD_ENOMEM, "WebDAV");
    } else if (o->walked) {
        dav_tree_failed(c, o->fail);
    } else if (o->status == 201 || o->status == 204) {
        rs_begin(c, o->status);
        rs_send(c, NULL, NULL, 0);
    } else if (o->status) {
        dav_error(c, o->status, o->precond, o->error, "%s", o->detail);
    } else {
        dav_store_error(c, o->rc, o->what);
    }
    if (o) free(o->fail);
    free(o);
}
