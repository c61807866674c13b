/* hd_patch.c: PATCH of a key (byte-range writes, draft-ietf-httpapi-patch-byterange).
 *
 * Raw form: `Content-Range: bytes A-B/ *` (no space) with the raw bytes as body; the
 * Content-Type, if any, is the value's own (ignored). Without Content-Range, a Content-Type
 * other than the two byte-range forms below is 415. The store spools the body and applies it
 * at A only when all of it has arrived (a body that stops midway changes nothing; concurrent
 * PATCHes of disjoint ranges all land); A <= current size (may extend, never leaves a hole).
 * The body length must be B-A+1: checked up front against Content-Length; a chunked body that
 * runs longer is cut off with 400, one that ends short is refused with 400.
 *
 * `message/byterange` (one part) and `multipart/byteranges` (several parts) bodies are
 * buffered (bounded by HD_PATCH_BUFFER_MAX and --max-body), validated completely, then
 * applied atomically by the store (patch_many: all parts or none).
 *
 * Preconditions are checked when the headers arrive (so 412 comes before 100 Continue) and
 * again atomically with the update. Applying the body is the work step (handlers.h): on an
 * I/O thread when it may block (fsync, group commit, a whole-value copy, a spooled body). 204 with
 * the new ETag; 404 no value; 416 A > size with `Content-Range: bytes * /SIZE`; 415 other media
 * types; 400 malformed. */
#include "handlers.h"

#include "zd_multipart.h"
#include "zd_range.h"

#include <stdio.h>

#define HD_PATCH_BUFFER_MAX (64u << 20) /* buffered (multi-range) PATCH bodies */

enum { PATCH_RAW, PATCH_MESSAGE, PATCH_MULTIPART };

/* 416 with the current size. */
static void patch_unsatisfiable(cn_conn *c, uint64_t size)
{
    char cr[ZD_CONTENT_RANGE_MAX];
    zd_content_range_format_unsatisfied(cr, size);
    rs_begin(c, 416);
    rs_header(c, "Content-Range", cr);
    rs_error_body(c, "range not satisfiable",
                  "a range starts beyond the end of the value (%lu bytes)", (unsigned long)size);
}

/* Which body form; false (answer built) for a bad or unsupported Content-Type. */
static bool patch_form(cn_conn *c, zd_content_type *ct)
{
    size_t n;
    const char *h = cn_header_get(c, "content-type", &n);
    c->req.patch_form = PATCH_RAW;
    if (!h) return true;
    zd_error err = {0};
    if (zd_content_type_parse(h, n, ct, &err)) {
        rs_error(c, 400, "bad Content-Type", "%s", err.msg);
        return false;
    }
    if (zd_content_type_is(ct, "multipart/byteranges")) {
        if (ct->boundary_len == 0) {
            rs_error(c, 400, "bad Content-Type", "multipart/byteranges needs a boundary");
            return false;
        }
        c->req.patch_form = PATCH_MULTIPART;
    } else if (zd_content_type_is(ct, "message/byterange")) {
        c->req.patch_form = PATCH_MESSAGE;
    } else if (!cn_header_get(c, "content-range", &n)) {
        rs_error(c, 415, "unsupported media type",
                 "PATCH takes application/octet-stream with Content-Range, message/byterange "
                 "or multipart/byteranges");
        return false;
    }
    return true;
}

static void patch_begin(cn_conn *c)
{
    cn_request *r = &c->req;
    st_store *s = hd_store(c);
    zd_content_type ct;
    if (!patch_form(c, &ct)) return;
    zd_content_range cr = {0};
    if (r->patch_form == PATCH_RAW) {
        size_t n;
        const char *h = cn_header_get(c, "content-range", &n);
        zd_error err = {0};
        if (!h) {
            rs_error(c, 400, "missing Content-Range",
                     "a raw PATCH needs Content-Range: bytes FIRST-LAST/*");
            return;
        }
        if (zd_content_range_parse(h, n, &cr, &err) || cr.unsatisfied) {
            rs_error(c, 400, "bad Content-Range", "%s",
                     cr.unsatisfied ? "the unsatisfied form is not a patch" : err.msg);
            return;
        }
        uint64_t len = cr.last - cr.first + 1;
        if ((r->has_length && r->content_length != len) || (!r->has_length && !r->chunked)) {
            rs_error(c, 400, "bad body length", "the body must be exactly %lu bytes",
                     (unsigned long)len);
            return;
        }
    }
    st_stat st;
    int rc = s->stat(s, r->key.key, &st);
    if (rc) {
        hd_store_error(c, rc, "reading the current value");
        return;
    }
    int cs = hd_cond_eval(c, &st);
    if (cs) {
        hd_cond_answer(c, cs, NULL);
        return;
    }
    if (r->patch_form != PATCH_RAW) {
        uint64_t max = c->w->shared->cfg->max_body;
        cn_body_to_buffer(c, max < HD_PATCH_BUFFER_MAX ? max : HD_PATCH_BUFFER_MAX);
        hd_offload(c, true); /* a copy of the whole value, also in memory */
        return;
    }
    st_writer *w; /* the store refuses an offset past the end (ZD_ERANGE) */
    rc = s->patch_begin(s, r->key.key, cr.first, &w);
    if (rc == ZD_ERANGE) {
        patch_unsatisfiable(c, st.size);
        return;
    }
    if (rc) {
        hd_store_error(c, rc, "opening the value");
        return;
    }
    r->body_expected = cr.last - cr.first + 1;
    cn_body_to_writer(c, w);
    hd_offload(c, false);
}

/* A failed update: 416 (with the current size) or the generic mapping. */
static void patch_store_error(cn_conn *c, int rc)
{
    if (rc == ZD_ERANGE) {
        st_store *s = hd_store(c);
        st_stat st;
        patch_unsatisfiable(c, s->stat(s, c->req.key.key, &st) ? 0 : st.size);
        return;
    }
    hd_store_error(c, rc, "applying the range");
}

static void patch_done(cn_conn *c, const st_result *res)
{
    rs_begin(c, 204);
    hd_validators(c, &res->stat);
    rs_send(c, NULL, NULL, 0);
}

/* A request error found by the work step: finish answers it with 400. */
static void patch_refuse(cn_conn *c, const char *reason, const char *fmt, unsigned long a,
                         unsigned long b)
{
    c->req.work_rc = ZD_EINVAL;
    c->req.work_reason = reason;
    snprintf(c->req.work_err.msg, sizeof c->req.work_err.msg, fmt, a, b);
}

static void patch_work_raw(cn_conn *c)
{
    cn_request *r = &c->req;
    if (r->body_bytes != r->body_expected) {
        patch_refuse(c, "bad body length", "the body has %lu bytes, Content-Range says %lu",
                     (unsigned long)r->body_bytes, (unsigned long)r->body_expected);
        return;
    }
    st_writer *w = r->writer;
    r->writer = NULL;
    st_precond pc;
    r->work_rc = w->commit(w, hd_precond(c, &pc), &r->work_res);
}

static void patch_work_buffered(cn_conn *c)
{
    cn_request *r = &c->req;
    st_store *s = hd_store(c);
    zd_byterange_part parts[ZD_MAX_PARTS];
    size_t n = 0;
    int rc;
    if (r->patch_form == PATCH_MULTIPART) {
        zd_content_type ct;
        size_t hlen;
        const char *h = cn_header_get(c, "content-type", &hlen);
        rc = zd_content_type_parse(h, hlen, &ct, &r->work_err);
        if (!rc)
            rc = zd_multipart_parse(r->body.data, r->body.len, ct.boundary, ct.boundary_len, parts,
                                    ZD_MAX_PARTS, &n, &r->work_err);
    } else {
        rc = zd_message_byterange_parse(r->body.data, r->body.len, &parts[0], &r->work_err);
        n = 1;
    }
    if (rc) {
        r->work_rc = ZD_EINVAL;
        r->work_reason = "bad byte-range body";
        return;
    }
    st_patch p[ZD_MAX_PARTS];
    for (size_t i = 0; i < n; i++)
        p[i] = (st_patch){.off = parts[i].first, .data = parts[i].data, .len = parts[i].len};
    st_precond pc;
    r->work_rc = s->patch_many(s, r->key.key, p, n, hd_precond(c, &pc), &r->work_res);
}

/* Parse and apply the body (may block: on an I/O thread when offloaded). */
static void patch_work(cn_conn *c)
{
    if (c->req.patch_form == PATCH_RAW)
        patch_work_raw(c);
    else
        patch_work_buffered(c);
}

static void patch_finish(cn_conn *c)
{
    cn_request *r = &c->req;
    if (r->work_reason) {
        rs_error(c, 400, r->work_reason, "%s", r->work_err.msg);
        return;
    }
    if (r->work_rc) {
        patch_store_error(c, r->work_rc);
        return;
    }
    patch_done(c, &r->work_res);
}

const hd_handler hd_patch = {.begin = patch_begin, .work = patch_work, .finish = patch_finish};
