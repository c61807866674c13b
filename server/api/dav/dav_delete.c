/* dav_delete.c: DELETE of a collection (RFC 4918 9.6): a prefix URL (`DELETE /a/b/`), or a
 * key that is a collection rather than a value (hd_delete.c asks the store and comes here).
 * Everything below goes value by value, then the collection itself (store_tree.h); the parent
 * collections stay unless they were never made and are now empty. 204; 404 no such
 * collection; 403 the root; 400 a Depth other than infinity; 207 naming the member that
 * failed part-way. Preconditions: a collection has no entity-tag, so If-Match fails (412). */
#include "dav_internal.h"

#include "store_tree.h"

#include <stdlib.h>

void dav_delete_collection(cn_conn *c)
{
    dav_outcome *o = dav_outcome_of(c);
    if (!o) return;
    st_store *s = hd_store(c);
    const zd_key *k = &c->req.key;
    if (k->len == 0) {
        dav_refuse(o, 403, NULL, "forbidden", "the root collection cannot be deleted");
        return;
    }
    if (dav_depth(c, DAV_INFINITY) != DAV_INFINITY) {
        dav_refuse(o, 400, NULL, "bad Depth", "DELETE of a collection is Depth infinity");
        return;
    }
    st_stat st;
    bool col;
    int rc = s->lookup(s, k->key, &st, &col);
    if (rc == 0 && !col) rc = ZD_ENOTFOUND; /* "value/" names no collection */
    if (rc == 0 && hd_cond_eval(c, NULL)) rc = ZD_EPRECOND;
    st_tree_fail *fail = rc ? NULL : dav_outcome_fail(o);
    if (rc == 0 && !fail) rc = ZD_ENOMEM;
    if (rc) {
        dav_store_failed(o, rc, "DELETE");
    } else if (st_tree_remove(s, k->key, fail) == 0) {
        o->status = 204;
    } else {
        o->walked = true;
    }
}

static void delete_begin(cn_conn *c)
{
    c->req.error_writer = dav_error_writer;
    hd_offload(c, true);
}

const hd_handler hd_dav_delete = {
    .begin = delete_begin, .work = dav_delete_collection, .finish = dav_answer};
