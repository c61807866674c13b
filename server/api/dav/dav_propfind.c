/* dav_propfind.c: PROPFIND (RFC 4918 9.1) and PROPPATCH (9.2).
 *
 * PROPFIND answers the live properties zarrd has for a value or a collection: resourcetype
 * (<D:collection/> for collections), displayname (the last key segment), getlastmodified
 * (an HTTP-date, where the store keeps a time), and for values getcontentlength, getetag and
 * getcontenttype (as GET sends them). The body (none = allprop) asks for allprop, propname
 * or a list of properties; a listed property zarrd does not have is answered 404 in its own
 * propstat. Depth 0 is the resource, Depth 1 adds a collection's direct members; Depth
 * infinity, also when no Depth is sent (RFC 4918 10.2), is refused with 403 and
 * <D:propfind-finite-depth/> (a whole tree in one answer is unbounded work).
 *
 * PROPPATCH: zarrd keeps no dead properties and its live ones are not settable, so every
 * property of a well-formed request is refused with 403 in a 207 (the resource unchanged). */
#include "dav_internal.h"

#include "api_xml.h"
#include "zd_httpdate.h"

#include <string.h>

enum { P_RESOURCETYPE, P_DISPLAYNAME, P_LASTMODIFIED, P_LENGTH, P_ETAG, P_TYPE, P_COUNT };

static const char *const prop_names[P_COUNT] = {"resourcetype",    "displayname",
                                                "getlastmodified", "getcontentlength",
                                                "getetag",         "getcontenttype"};

typedef enum { PF_ALLPROP, PF_PROPNAME, PF_PROP } pf_kind;

/* A resource to describe: a value or a collection, with what the store knows of it. */
typedef struct pf_res {
    const char *key;
    size_t len;
    bool col;
    st_stat st;
} pf_res;

/* Whether resource r has live property p. */
static bool pf_has(const pf_res *r, int p)
{
    switch (p) {
    case P_LASTMODIFIED:
        return r->st.mtime_ns != 0;
    case P_LENGTH:
    case P_ETAG:
    case P_TYPE:
        return !r->col;
    default:
        return true;
    }
}

static void pf_value(zd_buf *out, const pf_res *r, int p)
{
    switch (p) {
    case P_RESOURCETYPE:
        zd_buf_append_str(out, r->col ? "<D:resourcetype><D:collection/></D:resourcetype>"
                                      : "<D:resourcetype/>");
        return;
    case P_DISPLAYNAME: {
        const char *slash = memrchr(r->key, '/', r->len);
        const char *last = slash ? slash + 1 : r->key;
        ax_elem(out, "D:displayname", last, r->len - (size_t)(last - r->key));
        return;
    }
    case P_LASTMODIFIED: {
        char date[ZD_HTTPDATE_LEN + 1];
        zd_httpdate_format((int64_t)hd_last_modified(&r->st), date);
        ax_elem(out, "D:getlastmodified", date, strlen(date));
        return;
    }
    case P_LENGTH:
        ax_elemf(out, "D:getcontentlength", "%llu", (unsigned long long)r->st.size);
        return;
    case P_ETAG:
        ax_elem(out, "D:getetag", r->st.etag, strlen(r->st.etag));
        return;
    default: {
        bool json = r->len >= 5 && memcmp(r->key + r->len - 5, ".json", 5) == 0;
        const char *t = json ? "application/json" : "application/octet-stream";
        ax_elem(out, "D:getcontenttype", t, strlen(t));
        return;
    }
    }
}

/* An empty element naming a property that was asked for: <D:name/> or <x:name xmlns:x=...>. */
static void pf_name(zd_buf *out, const ax_node *n)
{
    if (strcmp(n->ns, "DAV:") == 0) {
        zd_buf_appendf(out, "<D:%s/>", n->name);
        return;
    }
    if (!n->ns[0]) {
        zd_buf_appendf(out, "<%s xmlns=\"\"/>", n->name);
        return;
    }
    zd_buf_appendf(out, "<x:%s xmlns:x=\"", n->name);
    ax_escape(out, n->ns, strlen(n->ns));
    zd_buf_append_str(out, "\"/>");
}

static void pf_propstat(zd_buf *out, const zd_buf *props, int status)
{
    zd_buf_append_str(out, "<D:propstat><D:prop>");
    zd_buf_append(out, props->data, props->len);
    zd_buf_appendf(out, "</D:prop><D:status>HTTP/1.1 %d %s</D:status></D:propstat>", status,
                   rs_reason(status));
}

static int pf_known(const ax_node *n)
{
    if (strcmp(n->ns, "DAV:") != 0) return -1;
    for (int p = 0; p < P_COUNT; p++)
        if (strcmp(n->name, prop_names[p]) == 0) return p;
    return -1;
}

/* One <D:response> for resource r; `prop` is the request's <D:prop> (PF_PROP). */
static void pf_response(zd_buf *out, const pf_res *r, pf_kind kind, const ax_node *prop)
{
    zd_buf found = {0}, missing = {0};
    if (kind == PF_PROP) {
        for (const ax_node *n = prop->child; n; n = n->next) {
            int p = pf_known(n);
            if (p >= 0 && pf_has(r, p))
                pf_value(&found, r, p);
            else
                pf_name(&missing, n);
        }
    } else {
        for (int p = 0; p < P_COUNT; p++) {
            if (!pf_has(r, p)) continue;
            if (kind == PF_PROPNAME)
                zd_buf_appendf(&found, "<D:%s/>", prop_names[p]);
            else
                pf_value(&found, r, p);
        }
    }
    zd_buf_append_str(out, "<D:response><D:href>");
    dav_href(out, r->key, r->len, r->col);
    zd_buf_append_str(out, "</D:href>");
    if (found.len || !missing.len) pf_propstat(out, &found, 200);
    if (missing.len) pf_propstat(out, &missing, 404);
    zd_buf_append_str(out, "</D:response>\n");
    zd_buf_free(&found);
    zd_buf_free(&missing);
}

/* Parse the request body: its kind and, for PF_PROP, the <D:prop> element. 0, or -1 with an
 * error answer built. */
static int pf_parse(cn_conn *c, ax_doc *doc, pf_kind *kind, const ax_node **prop)
{
    *kind = PF_ALLPROP;
    *prop = NULL;
    if (c->req.body.len == 0) return 0;
    zd_error err = {0};
    if (ax_parse((const char *)c->req.body.data, c->req.body.len, doc, &err)) {
        dav_error(c, 400, NULL, "malformed XML", "%s", err.msg);
        return -1;
    }
    if (!ax_is(doc->root, "DAV:", "propfind")) {
        dav_error(c, 400, NULL, "bad PROPFIND", "the body must be a DAV:propfind element");
        return -1;
    }
    if ((*prop = ax_child(doc->root, "DAV:", "prop")) != NULL)
        *kind = PF_PROP;
    else if (ax_child(doc->root, "DAV:", "propname"))
        *kind = PF_PROPNAME;
    else if (!ax_child(doc->root, "DAV:", "allprop")) {
        dav_error(c, 400, NULL, "bad PROPFIND", "propfind needs prop, propname or allprop");
        return -1;
    }
    return 0;
}

static void propfind_begin(cn_conn *c)
{
    int depth = dav_depth(c, DAV_INFINITY);
    if (depth == -2) {
        dav_error(c, 400, NULL, "bad Depth", "Depth must be 0, 1 or infinity");
        return;
    }
    if (depth == DAV_INFINITY) {
        dav_error(c, 403, "propfind-finite-depth", "finite depth only",
                  "PROPFIND answers Depth 0 and 1; send Depth: 1 and walk the collections");
        return;
    }
    if (dav_has_body(c)) cn_body_to_buffer(c, DAV_BODY_MAX);
}

static void propfind_finish(cn_conn *c)
{
    ax_doc doc = {0};
    pf_kind kind;
    const ax_node *prop;
    if (pf_parse(c, &doc, &kind, &prop)) {
        ax_free(&doc);
        return;
    }
    st_store *s = hd_store(c);
    const zd_key *k = &c->req.key;
    pf_res self = {.key = k->key, .len = k->len};
    int rc = s->lookup(s, k->key, &self.st, &self.col);
    if (rc == 0 && k->is_prefix && !self.col) rc = ZD_ENOTFOUND; /* "value/" names nothing */
    st_list l = {0};
    if (rc == 0 && self.col && dav_depth(c, DAV_INFINITY) == 1) rc = s->list(s, k->key, false, &l);
    if (rc) {
        st_list_free(&l);
        ax_free(&doc);
        dav_store_error(c, rc, "PROPFIND");
        return;
    }
    st_list_sort(&l);
    zd_buf out = {0};
    dav_ms_begin(&out);
    pf_response(&out, &self, kind, prop);
    zd_buf child = {0};
    for (size_t i = 0; i < l.n; i++) {
        const st_entry *e = &l.v[i];
        zd_buf_reset(&child);
        if (k->len) {
            zd_buf_append(&child, k->key, k->len);
            zd_buf_append(&child, "/", 1);
        }
        zd_buf_append(&child, e->name, strlen(e->name) - e->dir);
        pf_res r = {.key = (const char *)child.data, .len = child.len, .col = e->dir};
        r.st = (st_stat){.size = e->size, .mtime_ns = e->mtime_ns};
        memcpy(r.st.etag, e->etag, sizeof r.st.etag);
        pf_response(&out, &r, kind, prop);
    }
    zd_buf_free(&child);
    dav_ms_end(&out);
    st_list_free(&l);
    ax_free(&doc);
    dav_send_multistatus(c, &out);
    zd_buf_free(&out);
}

const hd_handler hd_dav_propfind = {.begin = propfind_begin, .finish = propfind_finish};

static void proppatch_begin(cn_conn *c)
{
    if (dav_has_body(c)) cn_body_to_buffer(c, DAV_BODY_MAX);
}

static void proppatch_finish(cn_conn *c)
{
    ax_doc doc = {0};
    zd_error err = {0};
    if (ax_parse((const char *)c->req.body.data, c->req.body.len, &doc, &err) ||
        !ax_is(doc.root, "DAV:", "propertyupdate")) {
        dav_error(c, 400, NULL, "bad PROPPATCH", "the body must be a DAV:propertyupdate: %s",
                  err.msg[0] ? err.msg : "another element");
        ax_free(&doc);
        return;
    }
    st_store *s = hd_store(c);
    const zd_key *k = &c->req.key;
    st_stat st;
    bool col;
    int rc = s->lookup(s, k->key, &st, &col);
    if (rc) {
        ax_free(&doc);
        dav_store_error(c, rc, "PROPPATCH");
        return;
    }
    zd_buf names = {0};
    for (const ax_node *op = doc.root->child; op; op = op->next) {
        if (!ax_is(op, "DAV:", "set") && !ax_is(op, "DAV:", "remove")) continue;
        for (const ax_node *p = ax_child(op, "DAV:", "prop"); p; p = ax_next(p, "DAV:", "prop"))
            for (const ax_node *n = p->child; n; n = n->next)
                pf_name(&names, n);
    }
    zd_buf out = {0};
    dav_ms_begin(&out);
    zd_buf_append_str(&out, "<D:response><D:href>");
    dav_href(&out, k->key, k->len, col);
    zd_buf_append_str(&out, "</D:href>");
    pf_propstat(&out, &names, 403);
    zd_buf_append_str(&out, "<D:responsedescription>zarrd keeps no dead properties and its live "
                            "properties cannot be set</D:responsedescription></D:response>\n");
    dav_ms_end(&out);
    ax_free(&doc);
    zd_buf_free(&names);
    dav_send_multistatus(c, &out);
    zd_buf_free(&out);
}

const hd_handler hd_dav_proppatch = {.begin = proppatch_begin, .finish = proppatch_finish};
