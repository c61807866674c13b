/* dav_mkcol.c: MKCOL (RFC 4918 9.3): make an empty collection that the store keeps while it
 * is empty (store.h, "made collections"). 201; 405 when a value or collection is already
 * there (and for the root); 409 when the parent collection does not exist (or is a value);
 * 415 for a request body (zarrd knows no MKCOL body format). */
#include "dav_internal.h"

static void mkcol_begin(cn_conn *c)
{
    if (dav_has_body(c)) {
        dav_error(c, 415, NULL, "unsupported media type", "MKCOL takes no request body");
        return;
    }
    if (c->req.key.len == 0) {
        rs_begin(c, 405);
        rs_header(c, "Allow", "OPTIONS, GET, HEAD, PROPFIND");
        dav_error_writer(c, "method not allowed", "the root collection always exists");
        return;
    }
    hd_offload(c, false);
}

static void mkcol_work(cn_conn *c)
{
    dav_outcome *o = dav_outcome_of(c);
    if (!o) return;
    st_store *s = hd_store(c);
    int rc = s->mkcol(s, c->req.key.key);
    if (rc == ZD_EEXIST)
        dav_refuse(o, 405, NULL, "exists", "a value or collection is already there");
    else if (rc == ZD_ENOTFOUND)
        dav_refuse(o, 409, NULL, "no parent collection",
                   "the parent collection does not exist; make it first");
    else if (rc)
        dav_store_failed(o, rc, "MKCOL");
    else
        o->status = 201;
}

const hd_handler hd_dav_mkcol = {.begin = mkcol_begin, .work = mkcol_work, .finish = dav_answer};
