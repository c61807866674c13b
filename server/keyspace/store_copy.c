/* store_copy.c: server-side copies over the store interface, the same for every backend
 * (see store.h): the source is read through a reader (one consistent version of it, even if
 * it is replaced meanwhile) into a whole-value writer of the destination, which commits
 * atomically like a PUT. S3 CopyObject, UploadPartCopy and CompleteMultipartUpload and
 * WebDAV COPY (st_copy, with the source's metadata) are built on them. */
#include "store.h"

#include "zd_error.h"

#include <stdlib.h>
#include <string.h>

#define ST_COPY_PIECE (1u << 20)

int st_write_from(st_store *s, st_writer *w, const char *key, uint64_t off, uint64_t len,
                  const st_precond *pc, st_meta *meta,
                  void (*observe)(void *ctx, const void *data, size_t len), void *ctx)
{
    st_reader *r;
    st_stat st;
    int rc = s->open_read(s, key, &r, &st);
    if (rc) return rc;
    st_meta m;
    if ((pc && pc->want_meta_etag) || meta) {
        rc = r->meta(r, &m);
        if (!rc) memcpy(st.meta_etag, m.etag, sizeof st.meta_etag);
        if (!rc && meta) *meta = m;
    }
    if (!rc && pc) rc = pc->check(pc, &st);
    if (!rc && len == UINT64_MAX) len = off <= st.size ? st.size - off : 0;
    if (!rc && (off > st.size || len > st.size - off)) rc = ZD_ERANGE;
    uint8_t *buf = NULL;
    if (!rc && len > 0 && !(buf = malloc(len < ST_COPY_PIECE ? (size_t)len : ST_COPY_PIECE)))
        rc = ZD_ENOMEM;
    for (uint64_t done = 0; !rc && done < len;) {
        size_t n = len - done < ST_COPY_PIECE ? (size_t)(len - done) : ST_COPY_PIECE;
        rc = r->read(r, off + done, buf, n);
        if (!rc && observe) observe(ctx, buf, n);
        if (!rc) rc = w->write(w, buf, n);
        done += n;
    }
    free(buf);
    r->close(r);
    return rc;
}

int st_copy(st_store *s, const char *src, const char *dst, const st_precond *pc, st_result *res)
{
    st_stat st;
    int rc = s->stat(s, src, &st);
    if (rc) return rc;
    st_writer *w;
    if ((rc = s->put_begin(s, dst, st.size, &w)) != 0) return rc;
    st_meta *meta = malloc(sizeof *meta);
    rc = meta ? st_write_from(s, w, src, 0, UINT64_MAX, NULL, meta, NULL, NULL) : ZD_ENOMEM;
    if (!rc) rc = w->set_meta(w, meta);
    free(meta);
    if (rc) {
        w->abort(w);
        return rc;
    }
    return w->commit(w, pc, res);
}
