/* s3_copy.c: CopyObject, and the copy source of UploadPartCopy.
 *
 * x-amz-copy-source names "[/]BUCKET/KEY" (%-encoded; "?versionId=null" accepted, other
 * versions do not exist here). The copy reads one consistent version of the source through
 * the store (st_write_from: x-amz-copy-source-if-* are checked against that version) into a
 * new value of the destination, computing its MD5 on the way, and commits it atomically
 * like a PUT (with the destination's If-None-Match / If-Match). x-amz-metadata-directive:
 * COPY (default) keeps the source's metadata, REPLACE takes the request's; a copy onto
 * itself needs REPLACE (as on S3: it is how metadata is changed in place). The credential
 * must be allowed to read the source. */
#include "s3_internal.h"

#include "api_xml.h"
#include "zd_error.h"
#include "zd_key.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool s3_copy_source(cn_conn *c, char *src, size_t cap)
{
    s3_req *q = s3_q(c);
    size_t n;
    const char *h = cn_header_get(c, "x-amz-copy-source", &n);
    const char *qm = h ? memchr(h, '?', n) : NULL;
    size_t plen = qm ? (size_t)(qm - h) : n;
    if (qm) {
        static const char null_version[] = "?versionId=null";
        if (n - plen != sizeof null_version - 1 || memcmp(qm, null_version, n - plen) != 0) {
            s3_error(c, S3E_INVALID_ARGUMENT,
                     "x-amz-copy-source: this server keeps no versions (only versionId=null)");
            return false;
        }
    }
    if (plen && h[0] == '/') {
        h++;
        plen--;
    }
    long len = h ? s3_pct_decode(h, plen, src, cap) : -1;
    zd_error err = {0};
    const char *slash = len > 0 ? memchr(src, '/', (size_t)len) : NULL;
    if (!slash || slash == src || zd_key_validate(src, (size_t)len, &err) ||
        st_key_reserved(src, (size_t)len)) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "Copy Source must mention the source bucket and key: sourcebucket/sourcekey "
                 "(%s)",
                 err.msg[0] ? err.msg : "a valid key");
        return false;
    }
    if (!s3_cred_allows(q->auth.cred, src, (size_t)len, false)) {
        s3_error(c, S3E_ACCESS_DENIED, "Access Denied: you may not read the copy source");
        return false;
    }
    return true;
}

static void s3_md5_update(void *ctx, const void *data, size_t len)
{
    EVP_DigestUpdate(ctx, data, len);
}

int s3_copy_into(cn_conn *c, st_writer *w, const char *src, uint64_t off, uint64_t len,
                 st_meta *src_meta, uint8_t md5[16])
{
    st_store *s = s3_store(c);
    st_precond pc;
    s3_copy_precond(c, &pc);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return ZD_ENOMEM;
    EVP_DigestInit_ex(ctx, s3_md_md5(), NULL);
    int rc = st_write_from(s, w, src, off, len, &pc, src_meta, s3_md5_update, ctx);
    EVP_DigestFinal_ex(ctx, md5, NULL);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* An error of the copy source: its key, not the destination's, is what is missing. */
void s3_copy_error(cn_conn *c, int rc)
{
    s3_req *q = s3_q(c);
    if (rc == ZD_EPRECOND && q->cond) {
        s3_error(c, S3E_PRECONDITION_FAILED,
                 "At least one of the pre-conditions you specified did not hold");
    } else if (rc == ZD_ENOTFOUND) {
        s3_error(c, S3E_NO_SUCH_KEY, "The specified key (the copy source) does not exist.");
    } else if (rc == ZD_ERANGE) {
        s3_error(c, S3E_INVALID_ARGUMENT,
                 "The x-amz-copy-source-range is not inside the source object.");
    } else {
        s3_store_error(c, rc, "copying");
    }
}

static void s3_copy_finish(cn_conn *c)
{
    s3_req *q = s3_q(c);
    st_store *s = s3_store(c);
    char src[ZD_MAX_KEY + 1];
    if (!s3_bucket_exists(c) || !s3_copy_source(c, src, sizeof src)) return;
    size_t n;
    const char *dir = cn_header_get(c, "x-amz-metadata-directive", &n);
    bool replace = dir && n == 7 && memcmp(dir, "REPLACE", 7) == 0;
    if (dir && !replace && !(n == 4 && memcmp(dir, "COPY", 4) == 0)) {
        s3_error(c, S3E_INVALID_ARGUMENT, "Unknown metadata directive: COPY or REPLACE.");
        return;
    }
    if (!replace && strcmp(src, q->path) == 0) {
        s3_error(c, S3E_INVALID_REQUEST,
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.");
        return;
    }
    st_meta *m = malloc(sizeof *m);
    st_precond dpc;
    const st_precond *dst_pc;
    if (!m) {
        s3_error(c, S3E_SERVICE_UNAVAILABLE, "out of memory");
        return;
    }
    if ((replace && !s3_meta_from_request(c, m)) || !s3_write_precond(c, &dpc, &dst_pc)) {
        free(m);
        return;
    }
    st_writer *w;
    st_stat st;
    int rc = s->stat(s, src, &st);
    if (!rc) rc = s->put_begin(s, q->path, st.size, &w);
    if (rc) {
        free(m);
        s3_copy_error(c, rc);
        return;
    }
    st_meta lines;
    uint8_t md5[16];
    rc = s3_copy_into(c, w, src, 0, UINT64_MAX, replace ? &lines : m, md5);
    char hex[33];
    s3_hex(md5, 16, hex);
    snprintf(m->etag, sizeof m->etag, "\"%s\"", hex);
    if (!rc) rc = w->set_meta(w, m);
    if (rc) {
        w->abort(w);
        free(m);
        s3_copy_error(c, rc);
        return;
    }
    st_result res;
    rc = w->commit(w, dst_pc, &res);
    if (rc) {
        free(m);
        s3_store_error(c, rc, "storing the copy");
        return;
    }
    zd_buf b = {0};
    s3_xml_start(&b, "CopyObjectResult");
    s3_xml_time(&b, "LastModified", res.stat.mtime_ns);
    const char *etag = s3_commit_etag(c, m->etag, &res.stat);
    ax_elem(&b, "ETag", etag, strlen(etag));
    free(m);
    s3_xml_send(c, 200, &b, "CopyObjectResult");
    zd_buf_free(&b);
}

S3_WORK(s3_copy_finish)
const hd_handler s3_hd_copy_object = {
    .begin = s3_offload_heavy, .work = s3_copy_finish_work, .finish = s3_emit};
