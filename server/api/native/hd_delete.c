/* hd_delete.c: DELETE of a key: idempotent 204; with If-Match the check and the removal are
 * atomic under the key's lock (412 if it fails, also when there is no value). A key that names
 * a collection rather than a value is a WebDAV collection DELETE (dav_delete.c). */
#include "handlers.h"

#include "dav.h"

static void delete_finish(cn_conn *c)
{
    st_store *s = hd_store(c);
    st_precond pc;
    bool existed;
    int rc = s->remove(s, c->req.key.key, hd_precond(c, &pc), &existed);
    if (rc) {
        hd_store_error(c, rc, "deleting the value");
        return;
    }
    st_stat st;
    bool col;
    if (!existed && s->lookup(s, c->req.key.key, &st, &col) == 0 && col) {
        dav_delete_collection(c);
        return;
    }
    rs_begin(c, 204);
    rs_send(c, NULL, NULL, 0);
}

const hd_handler hd_delete = {.finish = delete_finish};
