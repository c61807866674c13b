/* hd_get.c: GET and HEAD of a key: whole value, single range (206), several ranges
 * (206 multipart/byteranges, ranges sorted and coalesced), 416 with `bytes * /SIZE`,
 * If-Range, conditionals (304/412), validators (ETag, Last-Modified). The body streams from
 * the store (response.c). */
#include "handlers.h"

#include "zd_httpdate.h"
#include "zd_multipart.h"
#include "zd_range.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The Content-Type stored with the value (an S3 upload's), else by the key's name. */
static const char *get_content_type(const cn_conn *c, st_reader *rd, char *buf, size_t cap)
{
    st_meta m;
    size_t n;
    const char *v = rd->meta(rd, &m) == 0 ? st_meta_get(&m, "content-type", &n) : NULL;
    if (v && n < cap) {
        memcpy(buf, v, n);
        buf[n] = '\0';
        return buf;
    }
    const zd_key *k = &c->req.key;
    if (k->len >= 5 && memcmp(k->key + k->len - 5, ".json", 5) == 0) return "application/json";
    return "application/octet-stream";
}

/* If-Range (RFC 9110 13.1.5): honour Range only if the validator still names the current
 * value: our strong ETag exactly, or an HTTP-date equal to its Last-Modified when that is a
 * strong validator (8.8.2.2: the value last changed at least a second before now, so no other
 * change could share the date). Anything else sends the whole value (200). */
static bool get_if_range_ok(cn_conn *c, const st_stat *st)
{
    size_t n;
    const char *h = cn_header_get(c, "if-range", &n);
    if (!h) return true;
    int64_t t;
    if (n && (h[0] == '"' || h[0] == 'W'))
        return n == strlen(st->etag) && memcmp(h, st->etag, n) == 0;
    if (!zd_httpdate_parse(h, n, &t) || t < 0 || !st->mtime_ns) return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    return hd_last_modified(st) == (uint64_t)t && st->mtime_ns + 1000000000u <= now_ns;
}

static uint64_t get_nonce(void)
{
    static _Atomic uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ atomic_fetch_add(&counter, 1);
}

static void get_multipart(cn_conn *c, st_reader *rd, const st_stat *st, const zd_range *r, size_t n,
                          const char *ctype)
{
    char boundary[ZD_MAX_BOUNDARY + 1];
    zd_multipart_make_boundary(boundary, get_nonce());
    rs_begin(c, 206);
    hd_validators(c, st);
    rs_header(c, "Accept-Ranges", "bytes");
    zd_buf part = {0};
    for (size_t i = 0; i < n; i++) {
        zd_buf_reset(&part);
        zd_multipart_part_header(&part, boundary, ctype, r[i], st->size);
        rs_seg_meta(c, part.data, part.len);
        rs_seg_store(c, r[i].first, r[i].last - r[i].first + 1);
    }
    zd_buf_reset(&part);
    zd_multipart_close(&part, boundary);
    rs_seg_meta(c, part.data, part.len);
    zd_buf_free(&part);
    char ct[ZD_MAX_BOUNDARY + 64];
    snprintf(ct, sizeof ct, "multipart/byteranges; boundary=%s", boundary);
    rs_send_stream(c, ct, rd);
}

static void get_finish(cn_conn *c)
{
    st_store *s = hd_store(c);
    st_reader *rd;
    st_stat st;
    int rc = s->open_read(s, c->req.key.key, &rd, &st);
    if (rc) {
        hd_store_error(c, rc, "opening the value");
        return;
    }
    int cs = hd_cond_eval(c, &st);
    if (cs) {
        rd->close(rd);
        hd_cond_answer(c, cs, &st);
        return;
    }
    char ctype_buf[256];
    const char *ctype = get_content_type(c, rd, ctype_buf, sizeof ctype_buf);
    zd_range ranges[ZD_MAX_RANGES];
    size_t n = 0;
    size_t hlen;
    const char *h = cn_header_get(c, "range", &hlen);
    if (h && get_if_range_ok(c, &st)) {
        zd_error err = {0};
        rc = zd_range_parse(h, hlen, st.size, ranges, ZD_MAX_RANGES, &n, &err);
        if (rc == ZD_ERANGE) {
            rd->close(rd);
            char cr[ZD_CONTENT_RANGE_MAX];
            zd_content_range_format_unsatisfied(cr, st.size);
            rs_begin(c, 416);
            rs_header(c, "Content-Range", cr);
            hd_validators(c, &st);
            rs_error_body(c, "range not satisfiable", "%s", err.msg);
            return;
        }
        if (rc)
            n = 0; /* not a valid bytes range set: ignored, whole value */
        else
            n = zd_range_coalesce(ranges, n);
    }
    if (n > 1) {
        get_multipart(c, rd, &st, ranges, n, ctype);
        return;
    }
    rs_begin(c, n == 1 ? 206 : 200);
    hd_validators(c, &st);
    rs_header(c, "Accept-Ranges", "bytes");
    rs_send_value(c, ctype, rd, st.size, n == 1 ? &ranges[0] : NULL);
}

const hd_handler hd_get = {.finish = get_finish};
