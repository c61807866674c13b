/* hd_delete.c: DELETE of a key: idempotent 204; with If-Match the check and the removal are
 * atomic under the key's lock (412 if it fails, also when there is no value). The removal runs
 * on an I/O thread when it may block (fsync, group commit). */
#include "handlers.h"

static void delete_begin(cn_conn *c)
{
    hd_offload(c, false);
}

static void delete_work(cn_conn *c)
{
    st_store *s = hd_store(c);
    st_precond pc;
    bool existed;
    c->req.work_rc = s->remove(s, c->req.key.key, hd_precond(c, &pc), &existed);
}

static void delete_finish(cn_conn *c)
{
    if (c->req.work_rc) {
        hd_store_error(c, c->req.work_rc, "deleting the value");
        return;
    }
    rs_begin(c, 204);
    rs_send(c, NULL, NULL, 0);
}

const hd_handler hd_delete = {.begin = delete_begin, .work = delete_work, .finish = delete_finish};
