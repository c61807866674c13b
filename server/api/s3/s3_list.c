/* s3_list.c: ListObjects (v1: marker) and ListObjectsV2 (continuation-token, start-after).
 *
 * Keys come from the store's lazy walk (st_iter) in byte order of whole keys, as S3 lists
 * them, starting after the marker; nothing is read beyond the page. A delimiter (any string)
 * folds the keys that contain it after the prefix into one CommonPrefix, and the walk then
 * skips everything below that common prefix at once (seek past it) instead of visiting
 * it. Keys and common prefixes count together against max-keys (0..1000, default 1000); a
 * page is truncated when one more entry exists (never with max-keys=0, as on S3). A common
 * prefix that sorts at or before the marker is not repeated (so NextMarker may be a common
 * prefix). The continuation token is the last entry returned, hex-encoded. */
#include "s3_internal.h"

#include "api_xml.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <stdlib.h>
#include <string.h>

typedef struct s3_listing {
    bool v2, url, owner;
    size_t max;
    char prefix[ZD_MAX_KEY + 1], delim[ZD_MAX_KEY + 1], after[ZD_MAX_KEY + 1];
    char marker[ZD_MAX_KEY + 1], start_after[ZD_MAX_KEY + 1], token[2 * ZD_MAX_KEY + 1];
    size_t plen, dlen, alen, mlen, salen, tlen;
} s3_listing;

/* <tag>value</tag>, url-encoded with encoding-type=url. */
static void s3_list_elem(zd_buf *b, const s3_listing *p, const char *tag, const char *v, size_t n)
{
    if (!p->url) {
        ax_elem(b, tag, v, n);
        return;
    }
    zd_buf enc = {0};
    s3_pct_encode(&enc, v, n, true);
    ax_elem(b, tag, enc.data ? (const char *)enc.data : "", enc.len);
    zd_buf_free(&enc);
}

static bool s3_list_params(cn_conn *c, s3_listing *p)
{
    s3_req *q = s3_q(c);
    p->v2 = q->op == S3_LIST_OBJECTS_V2;
    char v[32];
    size_t n;
    if (p->v2 && (s3_query(c, "list-type", v, sizeof v, &n) != 1 || strcmp(v, "2") != 0)) {
        s3_error(c, S3E_INVALID_ARGUMENT, "list-type must be 2");
        return false;
    }
    if (s3_query(c, "prefix", p->prefix, sizeof p->prefix, &p->plen) < 0 ||
        s3_query(c, "delimiter", p->delim, sizeof p->delim, &p->dlen) < 0 ||
        s3_query(c, "marker", p->marker, sizeof p->marker, &p->mlen) < 0 ||
        s3_query(c, "start-after", p->start_after, sizeof p->start_after, &p->salen) < 0 ||
        s3_query(c, "continuation-token", p->token, sizeof p->token, &p->tlen) < 0) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "prefix, delimiter, marker, start-after and continuation-token must be valid "
                 "%%-encoded strings of at most 1024 bytes");
        return false;
    }
    int rc = s3_query(c, "encoding-type", v, sizeof v, &n);
    if (rc && strcmp(v, "url") != 0) {
        s3_error(c, S3E_INVALID_ARGUMENT, "Invalid Encoding Method specified in Request");
        return false;
    }
    p->url = rc == 1;
    p->max = S3_MAX_KEYS;
    if ((rc = s3_query(c, "max-keys", v, sizeof v, &n)) != 0) {
        uint64_t m;
        if (rc < 0 || !zd_parse_u64(v, n, &m)) {
            s3_error(c, S3E_INVALID_ARGUMENT, "max-keys must be a non-negative integer");
            return false;
        }
        if (m < p->max) p->max = (size_t)m;
    }
    p->owner =
        !p->v2 || (s3_query(c, "fetch-owner", v, sizeof v, &n) == 1 && strcmp(v, "true") == 0);
    /* where to start: after the marker / the token's entry / start-after */
    if (p->v2 && p->tlen) {
        bool ok = p->tlen % 2 == 0 && p->tlen / 2 <= ZD_MAX_KEY;
        for (size_t i = 0; ok && i < p->tlen / 2; i++) {
            int hi = zd_hex_value((unsigned char)p->token[2 * i]);
            int lo = zd_hex_value((unsigned char)p->token[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok) p->after[i] = (char)(hi << 4 | lo);
        }
        if (!ok) {
            s3_error(c, S3E_INVALID_ARGUMENT, "The continuation token provided is incorrect");
            return false;
        }
        p->alen = p->tlen / 2;
    } else if (p->v2) {
        memcpy(p->after, p->start_after, p->salen);
        p->alen = p->salen;
    } else {
        memcpy(p->after, p->marker, p->mlen);
        p->alen = p->mlen;
    }
    p->after[p->alen] = '\0';
    return true;
}

static int s3_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static void s3_list_header(zd_buf *b, cn_conn *c, const s3_listing *p)
{
    s3_req *q = s3_q(c);
    ax_elem(b, "Name", q->bucket, q->blen);
    s3_list_elem(b, p, "Prefix", p->prefix, p->plen);
    if (p->v2) {
        if (p->tlen) ax_elem(b, "ContinuationToken", p->token, p->tlen);
        if (p->salen) s3_list_elem(b, p, "StartAfter", p->start_after, p->salen);
    } else {
        s3_list_elem(b, p, "Marker", p->marker, p->mlen);
    }
    ax_elemf(b, "MaxKeys", "%zu", p->max);
    if (p->dlen) s3_list_elem(b, p, "Delimiter", p->delim, p->dlen);
    if (p->url) ax_elem(b, "EncodingType", "url", 3);
}

static void s3_list_objects_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    s3_listing *p = calloc(1, sizeof *p);
    if (!p) {
        s3_error(c, S3E_SERVICE_UNAVAILABLE, "out of memory");
        return;
    }
    if (!s3_list_params(c, p) || !s3_bucket_exists(c)) {
        free(p);
        return;
    }
    /* the store keys: BUCKET "/" rest */
    size_t base = q->blen + 1;
    char path[ZD_MAX_KEY * 2 + 2];
    memcpy(path, q->bucket, q->blen);
    path[q->blen] = '/';
    if (q->auth.cred) {
        memcpy(path + base, p->prefix, p->plen);
        if (!s3_cred_allows(q->auth.cred, path, base + p->plen, false)) {
            free(p);
            s3_error(c, S3E_ACCESS_DENIED, "Access Denied: the prefix is outside your key's scope");
            return;
        }
    }
    st_iter *it = NULL;
    int rc = base + p->plen <= ZD_MAX_KEY ? 0 : ZD_ENOTFOUND; /* no key can be that long */
    if (!rc) {
        memcpy(path + base, p->prefix, p->plen);
        rc = s->iter_open(s, path, base + p->plen, &it);
    }
    if (!rc && p->alen && base + p->alen <= ZD_MAX_KEY) {
        memcpy(path + base, p->after, p->alen);
        rc = it->seek(it, path, base + p->alen, false);
    }
    zd_buf b = {0}, body = {0};
    size_t count = 0;
    bool truncated = false;
    char last[ZD_MAX_KEY + 1];
    size_t last_len = 0;
    st_item item;
    int more = rc == ZD_ENOTFOUND ? 0 : 1;
    if (rc == ZD_ENOTFOUND) rc = 0;
    if (p->alen && base + p->alen > ZD_MAX_KEY) more = 0; /* after every possible key */
    if (p->max == 0) more = 0; /* an empty page, not truncated (as S3: nothing to continue) */
    while (!rc && more && (more = it->next(it, &item)) == 1) {
        const char *rel = item.key + base;
        size_t rlen = item.len - base;
        const char *d = NULL;
        if (p->dlen && rlen > p->plen) d = memmem(rel + p->plen, rlen - p->plen, p->delim, p->dlen);
        size_t elen = d ? (size_t)(d - rel) + p->dlen : rlen;
        if (d && s3_bytes_cmp(rel, elen, p->after, p->alen) <= 0) { /* already listed */
            rc = it->seek(it, item.key, base + elen, true);
            continue;
        }
        if (count == p->max) {
            truncated = true;
            break;
        }
        count++;
        memcpy(last, rel, elen);
        last_len = elen;
        if (d) {
            zd_buf_append_str(&body, "<CommonPrefixes>");
            s3_list_elem(&body, p, "Prefix", rel, elen);
            zd_buf_append_str(&body, "</CommonPrefixes>");
            rc = it->seek(it, item.key, base + elen, true);
            continue;
        }
        zd_buf_append_str(&b, "<Contents>");
        s3_list_elem(&b, p, "Key", rel, rlen);
        s3_xml_time(&b, "LastModified", item.stat.mtime_ns);
        const char *etag = s3_etag(&item.stat);
        ax_elem(&b, "ETag", etag, strlen(etag));
        ax_elemf(&b, "Size", "%llu", (unsigned long long)item.stat.size);
        if (p->owner) s3_xml_owner(&b, "Owner");
        zd_buf_append_str(&b, "<StorageClass>STANDARD</StorageClass></Contents>");
    }
    if (more < 0) rc = more;
    if (it) it->close(it);
    if (rc) {
        zd_buf_free(&b);
        zd_buf_free(&body);
        free(p);
        s3_store_error(c, rc, "listing the objects");
        return;
    }
    zd_buf out = {0};
    s3_xml_start(&out, "ListBucketResult");
    s3_list_header(&out, c, p);
    ax_elem(&out, "IsTruncated", truncated ? "true" : "false", truncated ? 4 : 5);
    if (p->v2) {
        ax_elemf(&out, "KeyCount", "%zu", count);
        if (truncated) {
            char hex[2 * ZD_MAX_KEY + 1];
            s3_hex((const uint8_t *)last, last_len, hex);
            ax_elem(&out, "NextContinuationToken", hex, 2 * last_len);
        }
    } else if (truncated && p->dlen) {
        s3_list_elem(&out, p, "NextMarker", last, last_len);
    }
    if (b.len) zd_buf_append(&out, b.data, b.len);
    if (body.len) zd_buf_append(&out, body.data, body.len);
    s3_xml_send(c, 200, &out, "ListBucketResult");
    zd_buf_free(&out);
    zd_buf_free(&b);
    zd_buf_free(&body);
    free(p);
}

const hd_handler s3_hd_list_objects = {.finish = s3_list_objects_finish};
