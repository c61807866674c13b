/* hd_put.c: PUT of a key: the body streams into a store writer (fs: a staging file, fsynced
 * per --fsync, renamed over the key; the commit runs on an I/O thread when it may block), so a
 * reader never sees a half-written value. 201 new, 204 replaced; If-Match / If-None-Match (`*` =
 * create only) are checked when the headers arrive (so 412 comes before 100 Continue) and again
 * atomically at commit. */
#include "handlers.h"

static void put_begin(cn_conn *c)
{
    st_store *s = hd_store(c);
    const char *key = c->req.key.key;
    if (hd_cond_present(c)) {
        st_stat st;
        int rc = s->stat(s, key, &st);
        if (rc && rc != ZD_ENOTFOUND) {
            hd_store_error(c, rc, "reading the current value");
            return;
        }
        int cs = hd_cond_eval(c, rc ? NULL : &st);
        if (cs) {
            hd_cond_answer(c, cs, NULL);
            return;
        }
    }
    st_writer *w;
    int rc = s->put_begin(s, key, c->req.content_length, &w);
    if (rc) {
        hd_store_error(c, rc, "creating the value");
        return;
    }
    cn_body_to_writer(c, w);
    hd_offload(c, false);
}

/* The commit: fsync, rename, group commit (may block). */
static void put_work(cn_conn *c)
{
    st_writer *w = c->req.writer;
    c->req.writer = NULL;
    st_precond pc;
    c->req.work_rc = w->commit(w, hd_precond(c, &pc), &c->req.work_res);
}

static void put_finish(cn_conn *c)
{
    const st_result *res = &c->req.work_res;
    if (c->req.work_rc) {
        hd_store_error(c, c->req.work_rc, "storing the value");
        return;
    }
    rs_begin(c, res->created ? 201 : 204);
    hd_validators(c, &res->stat);
    rs_send(c, NULL, NULL, 0);
}

const hd_handler hd_put = {.begin = put_begin, .work = put_work, .finish = put_finish};
