/* test_dav.c: the WebDAV subset's resources and collections (server/DAV.md), on both stores:
 * OPTIONS; PROPFIND Depth 0/1 bodies parsed as XML and compared with what GET says (size,
 * ETag, Last-Modified), named properties and propname, Depth infinity refused with
 * propfind-finite-depth; PROPPATCH refused per property; MKCOL (201, 405, 409, 415) and made
 * collections that outlive their last member while unmade directories are pruned; DELETE of
 * collections; bad input answered with XML errors and nothing changed. */
#include <criterion/criterion.h>

#include "web_xml.h"
#include "zt_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(dav, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* PROPFIND target with Depth depth (NULL: none) and body; parses a 207 into doc. */
static void propfind(const char *target, const char *depth, const char *body, ax_doc *doc)
{
    char hdr[128] = "";
    if (depth) snprintf(hdr, sizeof hdr, "Depth: %s\r\n", depth);
    zt_response r;
    zt_do("PROPFIND", target, hdr, body, body ? strlen(body) : 0, &r);
    cr_assert_eq(r.status, 207, "PROPFIND %s: %d %.*s", target, r.status, (int)r.body.len,
                 (const char *)r.body.data);
    wx_parse(&r, doc);
    zt_response_free(&r);
}

static char *header_of(const char *target, const char *name)
{
    zt_response r;
    zt_do("HEAD", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    char *v = strdup(zt_header(&r, name));
    zt_response_free(&r);
    return v;
}

Test(dav, options_says_dav_1)
{
    zt_response r;
    zt_do("OPTIONS", "/any/key", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(zt_header(&r, "DAV"), "1");
    const char *allow = zt_header(&r, "Allow");
    cr_assert(allow && strstr(allow, "PROPFIND") && strstr(allow, "MKCOL") &&
                  strstr(allow, "MOVE") && strstr(allow, "PUT"),
              "Allow: %s", allow ? allow : "(none)");
    cr_assert_null(zt_header(&r, "Access-Control-Allow-Origin"), "CORS header without CORS");
    zt_response_free(&r);
    zt_do("OPTIONS", "*", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(zt_header(&r, "DAV"), "1");
    zt_response_free(&r);
}

Test(dav, propfind_depth_0_and_1_match_get)
{
    zt_put_str("/arr/zarr.json", "{\"zarr_format\":3}");
    zt_put_str("/arr/c/0", "0123456789");
    char *etag = header_of("/arr/c/0", "ETag");
    char *lm = header_of("/arr/c/0", "Last-Modified");
    ax_doc doc;
    propfind("/arr/c/0", "0", NULL, &doc);
    cr_assert_eq(wx_count(&doc), 1);
    const ax_node *v = wx_response(&doc, "/arr/c/0");
    cr_assert_not_null(v);
    cr_assert_str_eq(wx_text(v, "getcontentlength"), "10");
    cr_assert_str_eq(wx_text(v, "getetag"), etag);
    cr_assert_str_eq(wx_text(v, "getlastmodified"), lm);
    cr_assert_str_eq(wx_text(v, "displayname"), "0");
    cr_assert_str_eq(wx_text(v, "getcontenttype"), "application/octet-stream");
    const ax_node *rt;
    cr_assert_eq(wx_prop(v, "resourcetype", &rt), 200);
    cr_assert_null(ax_child(rt, "DAV:", "collection"), "a value is no collection");
    ax_free(&doc);

    /* Depth 1 of a collection: itself (with and without the slash) and its members. */
    propfind("/arr/", "1", NULL, &doc);
    cr_assert_eq(wx_count(&doc), 3);
    const ax_node *self = wx_response(&doc, "/arr/");
    cr_assert_not_null(self);
    cr_assert_eq(wx_prop(self, "resourcetype", &rt), 200);
    cr_assert_not_null(ax_child(rt, "DAV:", "collection"));
    cr_assert_eq(wx_prop(self, "getcontentlength", NULL), 0, "a collection has no length");
    const ax_node *c = wx_response(&doc, "/arr/c/");
    cr_assert_not_null(c, "member collection c/ missing");
    const ax_node *meta = wx_response(&doc, "/arr/zarr.json");
    cr_assert_not_null(meta);
    cr_assert_str_eq(wx_text(meta, "getcontentlength"), "17");
    cr_assert_str_eq(wx_text(meta, "getcontenttype"), "application/json");
    char *metag = header_of("/arr/zarr.json", "ETag");
    cr_assert_str_eq(wx_text(meta, "getetag"), metag);
    ax_free(&doc);
    propfind("/arr", "0", NULL, &doc);
    cr_assert_not_null(wx_response(&doc, "/arr/"), "a collection's href ends in /");
    ax_free(&doc);
    /* The root. */
    propfind("/", "1", NULL, &doc);
    cr_assert_not_null(wx_response(&doc, "/"));
    cr_assert_not_null(wx_response(&doc, "/arr/"));
    ax_free(&doc);
    free(etag);
    free(lm);
    free(metag);
}

Test(dav, propfind_named_properties_and_propname)
{
    zt_put_str("/p/v", "abc");
    ax_doc doc;
    propfind("/p/v", "0",
             "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\" xmlns:x=\"urn:x\"><D:prop>"
             "<D:getcontentlength/><x:color/><D:quota-used-bytes/></D:prop></D:propfind>",
             &doc);
    const ax_node *v = wx_response(&doc, "/p/v");
    cr_assert_not_null(v);
    cr_assert_str_eq(wx_text(v, "getcontentlength"), "3");
    cr_assert_eq(wx_prop(v, "getetag", NULL), 0, "a property nobody asked for");
    cr_assert_eq(wx_prop(v, "quota-used-bytes", NULL), 404);
    /* The unknown property in its own namespace, answered 404. */
    bool found = false;
    for (const ax_node *ps = ax_child(v, "DAV:", "propstat"); ps;
         ps = ax_next(ps, "DAV:", "propstat"))
        if (ax_child(ax_child(ps, "DAV:", "prop"), "urn:x", "color")) {
            size_t n;
            const char *st = ax_text_trim(ax_child(ps, "DAV:", "status"), &n);
            found = st && strstr(st, " 404 ");
        }
    cr_assert(found, "urn:x:color not answered 404");
    ax_free(&doc);

    propfind("/p/v", "0", "<D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>", &doc);
    const ax_node *p;
    v = wx_response(&doc, "/p/v");
    cr_assert_eq(wx_prop(v, "getetag", &p), 200);
    cr_assert_eq(p->child, NULL);
    size_t n;
    ax_text_trim(p, &n);
    cr_assert_eq(n, 0, "propname answered a value");
    ax_free(&doc);

    propfind("/p/v", "0", "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>", &doc);
    cr_assert_str_eq(wx_text(wx_response(&doc, "/p/v"), "getcontentlength"), "3");
    ax_free(&doc);
}

Test(dav, propfind_refusals)
{
    zt_put_str("/r/v", "x");
    zt_response r;
    /* Depth infinity, spelt out or implied: 403 with the RFC 4918 precondition. */
    wx_expect_error_for("PROPFIND", "/r/", "Depth: infinity\r\n", NULL, 0, 403,
                        "propfind-finite-depth");
    wx_expect_error_for("PROPFIND", "/r/", NULL, NULL, 0, 403, "propfind-finite-depth");
    wx_expect_error_for("PROPFIND", "/r/", "Depth: 2\r\n", NULL, 0, 400, NULL);
    /* Nothing there, or a value named as a collection: 404. */
    wx_expect_error_for("PROPFIND", "/r/missing", "Depth: 0\r\n", NULL, 0, 404, NULL);
    wx_expect_error_for("PROPFIND", "/r/v/", "Depth: 0\r\n", NULL, 0, 404, NULL);
    /* Bodies that are not a propfind, or not XML (a DTD included: no entities). */
    static const char *const bad[] = {
        "<D:propfind xmlns:D=\"DAV:\"><D:prop>",
        "<propfind/>",
        "<D:propfind xmlns:D=\"DAV:\"/>",
        "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>",
        "plain text",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wx_expect_error_for("PROPFIND", "/r/v", "Depth: 0\r\n", bad[i], strlen(bad[i]), 400, NULL);
    }
    /* A body past the bound: 413. */
    size_t big = 65 * 1024;
    char *body = malloc(big);
    memset(body, ' ', big);
    zt_do("PROPFIND", "/r/v", "Depth: 0\r\n", body, big, &r);
    cr_assert_eq(r.status, 413);
    zt_response_free(&r);
    free(body);
    zt_expect_value("/r/v", "x", 1);
}

Test(dav, proppatch_refuses_every_property)
{
    zt_put_str("/pp/v", "x");
    char *etag = header_of("/pp/v", "ETag");
    const char *body = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:z=\"urn:z\"><D:set><D:prop>"
                       "<z:author>me</z:author></D:prop></D:set><D:remove><D:prop>"
                       "<D:getetag/></D:prop></D:remove></D:propertyupdate>";
    zt_response r;
    zt_do("PROPPATCH", "/pp/v", NULL, body, strlen(body), &r);
    cr_assert_eq(r.status, 207);
    ax_doc doc;
    wx_parse(&r, &doc);
    const ax_node *v = wx_response(&doc, "/pp/v");
    cr_assert_not_null(v);
    cr_assert_eq(wx_prop(v, "getetag", NULL), 403);
    ax_free(&doc);
    zt_response_free(&r);
    char *after = header_of("/pp/v", "ETag");
    cr_assert_str_eq(etag, after, "PROPPATCH changed the value");
    wx_expect_error_for("PROPPATCH", "/pp/missing", NULL, body, strlen(body), 404, NULL);
    wx_expect_error_for("PROPPATCH", "/pp/v", NULL, "<x/>", 4, 400, NULL);
    free(etag);
    free(after);
}

static void expect_collection(const char *target, bool exists)
{
    zt_response r;
    zt_do("PROPFIND", target, "Depth: 0\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, exists ? 207 : 404, "PROPFIND %s: %d", target, r.status);
    zt_response_free(&r);
}

Test(dav, mkcol)
{
    cr_assert_eq(zt_status("MKCOL", "/m/", NULL, NULL, 0), 201);
    expect_collection("/m/", true);
    wx_expect_error_for("MKCOL", "/m/", NULL, NULL, 0, 405, NULL);
    cr_assert_eq(zt_status("MKCOL", "/m/sub", NULL, NULL, 0), 201, "MKCOL without a slash");
    /* No parent collection, or a value as parent: 409, nothing made. */
    wx_expect_error_for("MKCOL", "/none/sub/", NULL, NULL, 0, 409, NULL);
    expect_collection("/none/", false);
    zt_put_str("/m/v", "x");
    wx_expect_error_for("MKCOL", "/m/v/sub/", NULL, NULL, 0, 409, NULL);
    /* Over a value: 405, the value kept. */
    wx_expect_error_for("MKCOL", "/m/v", NULL, NULL, 0, 405, NULL);
    zt_expect_value("/m/v", "x", 1);
    /* A body: 415. The root: 405. */
    wx_expect_error_for("MKCOL", "/m/b/", "Content-Type: text/xml\r\n", "<x/>", 4, 415, NULL);
    expect_collection("/m/b/", false);
    wx_expect_error_for("MKCOL", "/", NULL, NULL, 0, 405, NULL);
    /* A made collection is listed, empty. */
    ax_doc doc;
    propfind("/m/sub/", "1", NULL, &doc);
    cr_assert_eq(wx_count(&doc), 1);
    ax_free(&doc);
}

Test(dav, made_collections_outlive_their_members_unmade_ones_do_not)
{
    cr_assert_eq(zt_status("MKCOL", "/keep/", NULL, NULL, 0), 201);
    zt_put_str("/keep/a/b/v", "x"); /* a/ and a/b/ made by the PUT, not by MKCOL */
    cr_assert_eq(zt_status("DELETE", "/keep/a/b/v", NULL, NULL, 0), 204);
    expect_collection("/keep/a/", false);
    expect_collection("/keep/", true);
    /* The native listing shows the empty made collection too. */
    zt_response r;
    zt_do("GET", "/?format=json", NULL, NULL, 0, &r);
    cr_assert_not_null(memmem(r.body.data, r.body.len, "\"keep/\"", 7));
    zt_response_free(&r);
    /* And its hidden mark never shows anywhere. */
    zt_do("GET", "/keep/?format=json", NULL, NULL, 0, &r);
    cr_assert_null(memmem(r.body.data, r.body.len, ".zarrd", 6), "%.*s", (int)r.body.len,
                   (const char *)r.body.data);
    zt_response_free(&r);
    zt_do("GET", "/?recursive=1&format=json", NULL, NULL, 0, &r);
    cr_assert_null(memmem(r.body.data, r.body.len, ".zarrd", 6));
    zt_response_free(&r);
}

Test(dav, delete_collections)
{
    cr_assert_eq(zt_status("MKCOL", "/top/", NULL, NULL, 0), 201);
    zt_put_str("/top/d/zarr.json", "{}");
    zt_put_str("/top/d/c/0/0", "a");
    zt_put_str("/top/d/c/0/1", "b");
    cr_assert_eq(zt_status("MKCOL", "/top/d/empty/", NULL, NULL, 0), 201);
    zt_put_str("/top/other", "o");
    cr_assert_eq(zt_status("DELETE", "/top/d/", NULL, NULL, 0), 204);
    expect_collection("/top/d/", false);
    cr_assert_eq(zt_status("GET", "/top/d/c/0/0", NULL, NULL, 0), 404);
    cr_assert_eq(zt_status("GET", "/top/d/zarr.json", NULL, NULL, 0), 404);
    zt_expect_value("/top/other", "o", 1);
    expect_collection("/top/", true);
    /* Without the slash, a key that is a collection is deleted as one. */
    zt_put_str("/top/e/x", "1");
    cr_assert_eq(zt_status("DELETE", "/top/e", NULL, NULL, 0), 204);
    expect_collection("/top/e/", false);
    /* A missing collection: 404 (a missing value stays 204: the native contract). */
    wx_expect_error_for("DELETE", "/top/gone/", NULL, NULL, 0, 404, NULL);
    cr_assert_eq(zt_status("DELETE", "/top/gone", NULL, NULL, 0), 204);
    /* Depth other than infinity, and If-Match (a collection has no entity-tag): refused. */
    zt_put_str("/top/f/x", "1");
    wx_expect_error_for("DELETE", "/top/f/", "Depth: 0\r\n", NULL, 0, 400, NULL);
    cr_assert_eq(zt_status("DELETE", "/top/f/", "If-Match: \"x\"\r\n", NULL, 0), 412);
    zt_expect_value("/top/f/x", "1", 1);
    /* The root never. */
    wx_expect_error_for("DELETE", "/", NULL, NULL, 0, 403, NULL);
    zt_expect_value("/top/other", "o", 1);
}

/* The zarrd_work_offloaded_total counter of /_zarrd/metrics. */
static unsigned long offloaded(void)
{
    zt_response r;
    zt_do("GET", "/_zarrd/metrics", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    static const char name[] = "\nzarrd_work_offloaded_total ";
    const char *p = memmem(r.body.data, r.body.len, name, sizeof name - 1);
    cr_assert_not_null(p, "no zarrd_work_offloaded_total in the metrics");
    unsigned long v = strtoul(p + sizeof name - 1, NULL, 10);
    zt_response_free(&r);
    return v;
}

/* The fs store's changes may block (copies, collection walks, syncs): WebDAV's run on an I/O
 * thread, as the native API's do, never on the event loop that received the request (one
 * offload each); the memory store's never block and stay on the loop. A malformed If-Match is
 * answered before any work (400, nothing offloaded, nothing copied). */
Test(dav, changes_run_on_io_threads)
{
    const char *mode = getenv("ZT_FSYNC");
    bool fs = strcmp(zt_store(), "fs") == 0;
    unsigned long heavy = fs, small = fs && mode && strcmp(mode, "none") != 0;
    zt_put_str("/io/a/v", "value");
    zt_put_str("/io/a/w", "other");
    zt_put_str("/io/d/x", "x");
    static const struct {
        const char *method, *target, *hdr;
        int status;
        bool heavy;
    } steps[] = {
        {"COPY", "/io/a/v", "Destination: /io/b\r\n", 201, true},
        {"MOVE", "/io/a/", "Destination: /io/c/\r\n", 201, true},
        {"DELETE", "/io/c/", NULL, 204, true},
        {"DELETE", "/io/d", NULL, 204, true}, /* a key that is a collection */
        {"MKCOL", "/io/e/", NULL, 201, false},
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        unsigned long before = offloaded();
        zt_response r;
        zt_do(steps[i].method, steps[i].target, steps[i].hdr, NULL, 0, &r);
        cr_assert_eq(r.status, steps[i].status, "%s %s: %d %.*s", steps[i].method, steps[i].target,
                     r.status, (int)r.body.len, (const char *)r.body.data);
        zt_response_free(&r);
        cr_assert_eq(offloaded() - before, steps[i].heavy ? heavy : small, "%s %s", steps[i].method,
                     steps[i].target);
    }
    zt_expect_value("/io/b", "value", 5);
    cr_assert_eq(zt_status("GET", "/io/c/v", NULL, NULL, 0), 404);
    cr_assert_eq(zt_status("GET", "/io/a/w", NULL, NULL, 0), 404);
    cr_assert_eq(zt_status("GET", "/io/d/x", NULL, NULL, 0), 404);
    expect_collection("/io/e/", true);
    unsigned long before = offloaded();
    wx_expect_error_for("COPY", "/io/b", "Destination: /io/z\r\nIf-Match: nonsense\r\n", NULL, 0,
                        400, NULL);
    cr_assert_eq(offloaded(), before);
    cr_assert_eq(zt_status("GET", "/io/z", NULL, NULL, 0), 404);
}
