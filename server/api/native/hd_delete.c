/* hd_delete.c: DELETE of a key: idempotent 204; with If-Match the check and the removal are
 * atomic under the key's lock (412 if it fails, also when there is no value). The removal is
 * the work step (on an I/O thread for the fs store). A key that names a collection rather than
 * a value is a WebDAV collection DELETE (dav_delete.c), walked on an I/O thread too. */
#include "handlers.h"

#include "dav.h"

static void delete_begin(cn_conn *c)
{
    hd_offload(c, false);
}

static void delete_work(cn_conn *c)
{
    st_store *s = hd_store(c);
    st_precond pc;
    st_stat st;
    bool col;
    c->req.work_rc = s->remove(s, c->req.key.key, hd_precond(c, &pc), &c->req.work_existed);
    if (c->req.work_rc || c->req.work_existed || s->lookup(s, c->req.key.key, &st, &col) || !col)
        return;
    if (s->files && !c->req.offload) { /* a collection walk: again, on an I/O thread */
        c->req.offload = true;
        c->req.work_rc = ZD_EWOULDBLOCK; /* (answered as an error if no thread takes it) */
        return;
    }
    c->req.error_writer = dav_error_writer;
    dav_delete_collection(c);
}

static void delete_finish(cn_conn *c)
{
    if (c->req.work_state) {
        dav_answer(c);
        return;
    }
    if (c->req.work_rc) {
        hd_store_error(c, c->req.work_rc, "deleting the value");
        return;
    }
    rs_begin(c, 204);
    rs_send(c, NULL, NULL, 0);
}

const hd_handler hd_delete = {.begin = delete_begin, .work = delete_work, .finish = delete_finish};
