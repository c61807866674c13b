/* web_xml.c: WebDAV answer helpers for tests (see web_xml.h). */
#include "web_xml.h"

#include "zt_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wx_parse(const zt_response *r, ax_doc *doc)
{
    const char *ct = zt_header(r, "Content-Type");
    cr_assert(
        ct && (strncasecmp(ct, "application/xml", 15) == 0 || strncasecmp(ct, "text/xml", 8) == 0),
        "status %d: Content-Type %s", r->status, ct ? ct : "(none)");
    zd_error err = {0};
    *doc = (ax_doc){0};
    cr_assert_eq(ax_parse((const char *)r->body.data, r->body.len, doc, &err), 0,
                 "not XML (%s): %.*s", err.msg, (int)r->body.len, (const char *)r->body.data);
}

static int wx_status_text(const ax_node *status)
{
    size_t n;
    const char *t = status ? ax_text_trim(status, &n) : NULL;
    int code = 0;
    if (t && n > 9 && strncmp(t, "HTTP/1.1 ", 9) == 0) code = atoi(t + 9);
    return code;
}

const ax_node *wx_response(const ax_doc *doc, const char *href)
{
    cr_assert(ax_is(doc->root, "DAV:", "multistatus"), "not a multistatus");
    for (const ax_node *r = ax_child(doc->root, "DAV:", "response"); r;
         r = ax_next(r, "DAV:", "response")) {
        size_t n;
        const char *h = ax_text_trim(ax_child(r, "DAV:", "href"), &n);
        if (h && n == strlen(href) && memcmp(h, href, n) == 0) return r;
    }
    return NULL;
}

int wx_count(const ax_doc *doc)
{
    int n = 0;
    for (const ax_node *r = ax_child(doc->root, "DAV:", "response"); r;
         r = ax_next(r, "DAV:", "response"))
        n++;
    return n;
}

int wx_prop(const ax_node *resp, const char *name, const ax_node **prop)
{
    for (const ax_node *ps = ax_child(resp, "DAV:", "propstat"); ps;
         ps = ax_next(ps, "DAV:", "propstat")) {
        const ax_node *p = ax_child(ax_child(ps, "DAV:", "prop"), "DAV:", name);
        if (!p) continue;
        if (prop) *prop = p;
        return wx_status_text(ax_child(ps, "DAV:", "status"));
    }
    return 0;
}

const char *wx_text(const ax_node *resp, const char *name)
{
    static char buf[512];
    const ax_node *p = NULL;
    int st = wx_prop(resp, name, &p);
    cr_assert_eq(st, 200, "property %s: status %d", name, st);
    size_t n;
    const char *t = ax_text_trim(p, &n);
    snprintf(buf, sizeof buf, "%.*s", (int)n, t);
    return buf;
}

int wx_status(const ax_node *resp)
{
    return wx_status_text(ax_child(resp, "DAV:", "status"));
}

void wx_expect_error(const zt_response *r, int status, const char *precond)
{
    cr_assert_eq(r->status, status, "status %d, expected %d: %.*s", r->status, status,
                 (int)r->body.len, (const char *)r->body.data);
    ax_doc doc;
    wx_parse(r, &doc);
    cr_assert(ax_is(doc.root, "DAV:", "error"), "not a DAV:error");
    cr_assert_not_null(ax_child(doc.root, NULL, "detail"), "no detail in the error");
    if (precond) cr_assert_not_null(ax_child(doc.root, "DAV:", precond), "no DAV:%s", precond);
    ax_free(&doc);
}

void wx_expect_error_for(const char *method, const char *target, const char *headers,
                         const void *body, size_t len, int status, const char *precond)
{
    zt_response r;
    zt_do(method, target, headers, body, len, &r);
    wx_expect_error(&r, status, precond);
    zt_response_free(&r);
}
