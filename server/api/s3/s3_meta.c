/* s3_meta.c: object metadata between HTTP headers and st_meta (kept with the value), the
 * ETag S3 clients see, and conditional requests.
 *
 * Kept: Content-Type, Cache-Control, Content-Disposition, Content-Encoding (without the
 * transfer-level "aws-chunked"), Content-Language, Expires and x-amz-meta-* (names lower
 * case; at most 2 KB of user metadata, as AWS: MetadataTooLarge). Accepted and not kept:
 * x-amz-acl, x-amz-storage-class (access is --s3-keys; there is one storage class).
 * Refused with NotImplemented rather than silently lost: x-amz-tagging,
 * x-amz-server-side-encryption*, x-amz-website-redirect-location, x-amz-object-lock-*, and
 * user metadata on a data directory without extended attributes.
 *
 * Conditions (GET, HEAD, copy sources): If-Match, then If-Unmodified-Since only without it;
 * If-None-Match, then If-Modified-Since only without it (RFC 9110 13.2.2, as S3 documents);
 * ETags compare by their opaque value, quoted or not, W/ ignored. Conditional writes:
 * If-None-Match: * (create only) and If-Match: ETAG (404 NoSuchKey without an object), checked
 * by the store under the key's lock against the content ETag. */
#include "s3_internal.h"

#include "zd_ctype.h"
#include "zd_error.h"
#include "zd_httpdate.h"

#include <stdio.h>
#include <string.h>

static const char *const s3_kept_headers[] = {"content-type",
                                              "cache-control",
                                              "content-disposition",
                                              "content-encoding",
                                              "content-language",
                                              "expires",
                                              NULL};

static const char *const s3_refused_headers[] = {"x-amz-tagging",
                                                 "x-amz-server-side-encryption",
                                                 "x-amz-server-side-encryption-customer-algorithm",
                                                 "x-amz-server-side-encryption-aws-kms-key-id",
                                                 "x-amz-website-redirect-location",
                                                 "x-amz-object-lock-mode",
                                                 "x-amz-object-lock-retain-until-date",
                                                 "x-amz-object-lock-legal-hold",
                                                 NULL};

/* Content-Encoding without the aws-chunked token; 0 when nothing is left. */
static size_t s3_strip_aws_chunked(const char *v, size_t len, char *out, size_t cap)
{
    size_t n = 0, i = 0;
    while (i < len) {
        const char *comma = memchr(v + i, ',', len - i);
        size_t end = comma ? (size_t)(comma - v) : len;
        const char *t = v + i;
        size_t tlen = end - i;
        zd_trim_ows(&t, &tlen);
        i = end + 1;
        if (tlen == 0 || zd_ascii_caseeq(t, tlen, "aws-chunked")) continue;
        if (n + tlen + 1 > cap) return 0;
        if (n) out[n++] = ',';
        memcpy(out + n, t, tlen);
        n += tlen;
    }
    return n;
}

bool s3_meta_from_request(cn_conn *c, st_meta *m)
{
    memset(m, 0, offsetof(st_meta, lines));
    size_t user = 0;
    bool has_user = false;
    for (size_t i = 0; i < c->req.nheaders; i++) {
        const cn_header *h = &c->req.headers[i];
        const char *name = c->arena + h->name, *v = c->arena + h->value;
        size_t nlen = h->name_len, vlen = h->value_len;
        for (const char *const *r = s3_refused_headers; *r; r++)
            if (zd_ascii_caseeq(name, nlen, *r)) {
                s3_error(c, S3E_NOT_IMPLEMENTED,
                         "The %s header is not implemented here (nothing was stored).", *r);
                return false;
            }
        bool keep = nlen > 11 && zd_ascii_caseeq(name, 11, "x-amz-meta-");
        if (keep) {
            user += nlen - 11 + vlen;
            has_user = true;
        }
        for (const char *const *k = s3_kept_headers; !keep && *k; k++)
            keep = zd_ascii_caseeq(name, nlen, *k);
        if (!keep) continue;
        char enc[256];
        if (zd_ascii_caseeq(name, nlen, "content-encoding")) {
            vlen = s3_strip_aws_chunked(v, vlen, enc, sizeof enc);
            if (vlen == 0) continue;
            v = enc;
        }
        int rc = st_meta_add(m, name, nlen, v, vlen);
        if (rc == ZD_EOVERFLOW || user > S3_USER_META_MAX) {
            s3_error(c, S3E_METADATA_TOO_LARGE,
                     "Your metadata headers exceed the maximum allowed metadata size (2 KB of "
                     "x-amz-meta-*, 3 KB in all).");
            return false;
        }
        if (rc) {
            s3_error(c, S3E_INVALID_ARGUMENT,
                     "A metadata header holds a character that "
                     "cannot be kept.");
            return false;
        }
    }
    if (has_user && !s3_store(c)->keeps_meta) {
        s3_error(c, S3E_NOT_IMPLEMENTED,
                 "x-amz-meta-* cannot be kept: this server's data directory has no user "
                 "extended attributes (nothing was stored).");
        return false;
    }
    return true;
}

/* The value of a response-* override parameter, or NULL. */
static const char *s3_override(cn_conn *c, const char *name, char *buf, size_t cap)
{
    size_t n;
    return s3_query(c, name, buf, cap, &n) == 1 ? buf : NULL;
}

void s3_meta_headers(cn_conn *c, const st_meta *m, bool overrides)
{
    static const struct {
        const char *stored, *header, *param;
    } std[] = {{"cache-control", "Cache-Control", "response-cache-control"},
               {"content-disposition", "Content-Disposition", "response-content-disposition"},
               {"content-encoding", "Content-Encoding", "response-content-encoding"},
               {"content-language", "Content-Language", "response-content-language"},
               {"expires", "Expires", "response-expires"}};
    char buf[1024];
    for (size_t i = 0; i < sizeof std / sizeof *std; i++) {
        const char *v = overrides ? s3_override(c, std[i].param, buf, sizeof buf) : NULL;
        size_t n;
        const char *stored = v ? NULL : st_meta_get(m, std[i].stored, &n);
        if (stored && n < sizeof buf) {
            memcpy(buf, stored, n);
            buf[n] = '\0';
            v = buf;
        }
        if (v) rs_header(c, std[i].header, v);
    }
    size_t pos = 0, nlen, vlen;
    const char *name, *value;
    while (st_meta_next(m, &pos, &name, &nlen, &value, &vlen)) {
        if (nlen <= 11 || memcmp(name, "x-amz-meta-", 11) != 0 || nlen + vlen + 4 > sizeof buf)
            continue;
        char hname[256];
        snprintf(hname, sizeof hname, "%.*s", (int)nlen, name);
        snprintf(buf, sizeof buf, "%.*s", (int)vlen, value);
        rs_header(c, hname, buf);
    }
}

const char *s3_etag(const st_stat *st)
{
    return st->meta_etag[0] ? st->meta_etag : st->etag;
}

const char *s3_commit_etag(cn_conn *c, const char *etag, const st_stat *st)
{
    return s3_store(c)->keeps_meta ? etag : st->etag;
}

/* ---- conditions ---- */

/* Does the If-Match / If-None-Match list h match etag (NULL: no object)? "*" matches any. */
static bool s3_etag_in(const char *h, size_t len, const char *etag)
{
    if (!etag) return false;
    size_t elen = strlen(etag);
    if (elen >= 2 && etag[0] == '"') { /* compare opaque values */
        etag++;
        elen -= 2;
    }
    size_t i = 0;
    while (i < len) {
        const char *comma = memchr(h + i, ',', len - i);
        size_t end = comma ? (size_t)(comma - h) : len;
        const char *t = h + i;
        size_t tlen = end - i;
        i = end + 1;
        zd_trim_ows(&t, &tlen);
        if (tlen >= 2 && t[0] == 'W' && t[1] == '/') {
            t += 2;
            tlen -= 2;
        }
        if (tlen == 1 && t[0] == '*') return true;
        if (tlen >= 2 && t[0] == '"' && t[tlen - 1] == '"') {
            t++;
            tlen -= 2;
        }
        if (tlen == elen && memcmp(t, etag, elen) == 0) return true;
    }
    return false;
}

int s3_cond_read(cn_conn *c, const st_stat *cur, bool copy_source)
{
    static const char *const plain[] = {"if-match", "if-unmodified-since", "if-none-match",
                                        "if-modified-since"};
    static const char *const copy[] = {
        "x-amz-copy-source-if-match", "x-amz-copy-source-if-unmodified-since",
        "x-amz-copy-source-if-none-match", "x-amz-copy-source-if-modified-since"};
    const char *const *n = copy_source ? copy : plain;
    const char *etag = cur ? s3_etag(cur) : NULL;
    int64_t mtime = cur ? (int64_t)(cur->mtime_ns / 1000000000u) : 0, t;
    size_t len;
    const char *h = cn_header_get(c, n[0], &len);
    if (h) {
        if (!s3_etag_in(h, len, etag)) return 412;
    } else if ((h = cn_header_get(c, n[1], &len)) && zd_httpdate_parse(h, len, &t) && cur &&
               mtime > t) {
        return 412;
    }
    int not_modified =
        copy_source || (c->req.method != HTTP_GET && c->req.method != HTTP_HEAD) ? 412 : 304;
    if ((h = cn_header_get(c, n[2], &len))) {
        if (s3_etag_in(h, len, etag)) return not_modified;
    } else if ((h = cn_header_get(c, n[3], &len)) && zd_httpdate_parse(h, len, &t) && cur &&
               mtime <= t) {
        return not_modified;
    }
    return 0;
}

static int s3_write_check(const st_precond *pc, const st_stat *cur)
{
    cn_conn *c = pc->ctx;
    size_t len;
    const char *h = cn_header_get(c, "if-none-match", &len);
    if (h && cur) {
        s3_q(c)->cond = 412;
        return ZD_EPRECOND;
    }
    if ((h = cn_header_get(c, "if-match", &len))) {
        if (!cur) return ZD_ENOTFOUND;
        if (!s3_etag_in(h, len, s3_etag(cur))) {
            s3_q(c)->cond = 412;
            return ZD_EPRECOND;
        }
    }
    return 0;
}

bool s3_write_precond(cn_conn *c, st_precond *pc, const st_precond **out)
{
    size_t ilen, mlen;
    const char *inm = cn_header_get(c, "if-none-match", &ilen);
    const char *im = cn_header_get(c, "if-match", &mlen);
    *out = NULL;
    if (inm) {
        const char *t = inm;
        zd_trim_ows(&t, &ilen);
        if (ilen != 1 || t[0] != '*') {
            s3_error(c, S3E_NOT_IMPLEMENTED,
                     "A write's If-None-Match may only be \"*\" (create only).");
            return false;
        }
    }
    if (!inm && !im) return true;
    *pc = (st_precond){.check = s3_write_check, .ctx = c, .want_meta_etag = true};
    *out = pc;
    return true;
}

static int s3_copy_check(const st_precond *pc, const st_stat *cur)
{
    cn_conn *c = pc->ctx;
    int s = s3_cond_read(c, cur, true);
    if (!s) return 0;
    s3_q(c)->cond = s;
    return ZD_EPRECOND;
}

void s3_copy_precond(cn_conn *c, st_precond *pc)
{
    *pc = (st_precond){.check = s3_copy_check, .ctx = c, .want_meta_etag = true};
}
