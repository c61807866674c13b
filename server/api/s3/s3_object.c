/* s3_object.c: GetObject, HeadObject, PutObject and DeleteObject.
 *
 * GET/HEAD: the value streams from the store like a native GET (sendfile for large file
 * stretches); ETag is the content ETag (MD5) recorded with it, or its native one; one byte
 * range (incl. suffix "-N"; several ranges get the whole object, as on S3; unsatisfiable:
 * 416 InvalidRange); conditions per s3_meta.c; response-* parameters override the stored
 * headers.
 * PUT: the body streams through the S3 body filter into a store writer (a temp file beside
 * the key), is verified, and only then committed with its metadata and MD5 ETag, atomically
 * and under the key's lock with If-None-Match: * / If-Match; a PUT into a bucket that does
 * not exist is refused (NoSuchBucket) rather than creating it.
 * DELETE: idempotent (204), If-Match checked atomically. */
#include "s3_internal.h"

#include "zd_error.h"
#include "zd_httpdate.h"
#include "zd_range.h"

#include <stdio.h>
#include <string.h>

bool s3_bucket_exists(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_stat st;
    bool dir = false;
    if (s->lookup(s, q->bucket, &st, &dir) == 0 && dir) return true;
    s3_error(c, S3E_NO_SUCH_BUCKET, "The specified bucket does not exist.");
    return false;
}

/* The headers of a value every answer about it carries. */
static void s3_value_headers(cn_conn *c, const st_stat *st)
{
    char date[ZD_HTTPDATE_LEN + 1];
    zd_httpdate_format((int64_t)(st->mtime_ns / 1000000000u), date);
    rs_header(c, "ETag", s3_etag(st));
    rs_header(c, "Last-Modified", date);
}

static const char *s3_content_type(cn_conn *c, const st_meta *m, char *buf, size_t cap)
{
    size_t n;
    if (s3_query(c, "response-content-type", buf, cap, &n) == 1) return buf;
    const char *v = st_meta_get(m, "content-type", &n);
    if (v && n < cap) {
        memcpy(buf, v, n);
        buf[n] = '\0';
        return buf;
    }
    s3_req *q = s3_q(c);
    if (q->klen >= 5 && memcmp(q->key + q->klen - 5, ".json", 5) == 0) return "application/json";
    return "application/octet-stream";
}

static void s3_get_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_reader *rd;
    st_stat st;
    int rc = s->open_read(s, q->path, &rd, &st);
    if (rc == ZD_ENOTFOUND && !s3_bucket_exists(c)) return;
    if (rc) {
        s3_store_error(c, rc, "opening the object");
        return;
    }
    st_meta m;
    if ((rc = rd->meta(rd, &m)) != 0) {
        rd->close(rd);
        s3_store_error(c, rc, "reading the object's metadata");
        return;
    }
    memcpy(st.meta_etag, m.etag, sizeof st.meta_etag);
    int cond = s3_cond_read(c, &st, false);
    if (cond) {
        rd->close(rd);
        if (cond == 412) {
            s3_error(c, S3E_PRECONDITION_FAILED,
                     "At least one of the pre-conditions you specified did not hold");
            return;
        }
        s3_begin(c, 304);
        s3_value_headers(c, &st);
        rs_send(c, NULL, NULL, 0);
        return;
    }
    zd_range ranges[ZD_MAX_RANGES];
    size_t n = 0, hlen;
    const char *h = cn_header_get(c, "range", &hlen);
    if (h) {
        zd_error err = {0};
        rc = zd_range_parse(h, hlen, st.size, ranges, ZD_MAX_RANGES, &n, &err);
        if (rc == ZD_ERANGE) {
            rd->close(rd);
            char cr[ZD_CONTENT_RANGE_MAX];
            zd_content_range_format_unsatisfied(cr, st.size);
            s3_error_with(c, S3E_INVALID_RANGE, "Content-Range", cr,
                          "The requested range is not satisfiable (%s)", err.msg);
            return;
        }
        if (rc || n != 1) n = 0; /* malformed or several ranges: the whole object */
    }
    char ctype_buf[256];
    const char *ctype = s3_content_type(c, &m, ctype_buf, sizeof ctype_buf);
    s3_begin(c, n ? 206 : 200);
    s3_value_headers(c, &st);
    rs_header(c, "Accept-Ranges", "bytes");
    s3_meta_headers(c, &m, true);
    rs_send_value(c, ctype, rd, st.size, n ? &ranges[0] : NULL);
}

const hd_handler s3_hd_get_object = {.finish = s3_get_finish};

/* ---- PUT ---- */

static void s3_put_begin(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_meta m;
    st_precond pc;
    const st_precond *ppc;
    if (!c->req.has_length && !c->req.chunked) {
        s3_error(c, S3E_MISSING_CONTENT_LENGTH, "You must provide the Content-Length HTTP header.");
        return;
    }
    if (!s3_bucket_exists(c) || !s3_meta_from_request(c, &m) || !s3_write_precond(c, &pc, &ppc))
        return;
    if (ppc) { /* fail before the body (and before 100 Continue) when we can already tell */
        st_stat st;
        int rc = s->stat(s, q->path, &st);
        if (rc == 0 || rc == ZD_ENOTFOUND) {
            st_reader *rd;
            if (rc == 0 && s->open_read(s, q->path, &rd, &st) == 0) {
                if (rd->meta(rd, &m) == 0) memcpy(st.meta_etag, m.etag, sizeof st.meta_etag);
                rd->close(rd);
            }
            rc = ppc->check(ppc, rc == 0 ? &st : NULL);
        }
        if (rc) {
            s3_store_error(c, rc, "checking the precondition");
            return;
        }
    }
    uint64_t len = s3_body_length(c);
    st_writer *w;
    int rc = s->put_begin(s, q->path, len == UINT64_MAX ? 0 : len, &w);
    if (rc) {
        s3_store_error(c, rc, "creating the object");
        return;
    }
    if (s3_body_begin(c, w, S3_MAX_OBJECT)) hd_offload(c, false);
}

void s3_put_commit(cn_conn *c, st_writer *w, const uint8_t md5[16], const st_precond *pc,
                   bool request_meta)
{
    st_meta m;
    if (request_meta && !s3_meta_from_request(c, &m)) {
        w->abort(w);
        return;
    }
    if (!request_meta) m.len = 0;
    char hex[33];
    s3_hex(md5, 16, hex);
    snprintf(m.etag, sizeof m.etag, "\"%s\"", hex);
    st_result res;
    int rc = w->set_meta(w, &m);
    if (rc) {
        w->abort(w);
        s3_store_error(c, rc, "storing the object's metadata");
        return;
    }
    if ((rc = w->commit(w, pc, &res)) != 0) {
        s3_store_error(c, rc, "storing the object");
        return;
    }
    s3_answer(c, 200, "ETag", s3_commit_etag(c, m.etag, &res.stat));
}

static void s3_put_finish(cn_conn *c)
{
    uint8_t md5[16];
    st_writer *w;
    st_precond pc;
    const st_precond *ppc;
    if (!s3_body_end(c, md5, &w, NULL)) return;
    if (!s3_write_precond(c, &pc, &ppc)) {
        w->abort(w);
        return;
    }
    s3_put_commit(c, w, md5, ppc, true);
}

S3_WORK(s3_put_finish)
const hd_handler s3_hd_put_object = {
    .begin = s3_put_begin, .work = s3_put_finish_work, .finish = s3_emit};

/* ---- DELETE ---- */

static void s3_delete_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    st_precond pc;
    const st_precond *ppc;
    if (!s3_bucket_exists(c) || !s3_write_precond(c, &pc, &ppc)) return;
    bool existed;
    int rc = s->remove(s, q->path, ppc, &existed);
    if (rc) {
        s3_store_error(c, rc, "deleting the object");
        return;
    }
    s3_answer(c, 204, NULL, NULL);
}

S3_WORK(s3_delete_finish)
const hd_handler s3_hd_delete_object = {
    .begin = s3_offload_begin, .work = s3_delete_finish_work, .finish = s3_emit};
