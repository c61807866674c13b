/* hd_common.c: helpers shared by the handlers: preconditions (RFC 9110 13.2.2), store error
 * mapping, ETag header (see handlers.h). */
#include "handlers.h"

#include "hd_status.h"
#include "metrics.h"
#include "zd_cond.h"
#include "zd_error.h"

st_store *hd_store(cn_conn *c)
{
    return c->w->shared->store;
}

void hd_offload(cn_conn *c, bool heavy)
{
    c->req.offload = heavy || st_writes_block(hd_store(c));
}

bool hd_cond_present(cn_conn *c)
{
    size_t n;
    return cn_header_get(c, "if-match", &n) || cn_header_get(c, "if-none-match", &n);
}

int hd_cond_eval(cn_conn *c, const st_stat *cur)
{
    size_t n;
    bool match;
    zd_error err = {0};
    const char *etag = cur ? cur->etag : NULL;
    const char *h = cn_header_get(c, "if-match", &n);
    if (h) {
        if (zd_etag_list_match(h, n, etag, false, &match, &err)) {
            rs_error(c, 400, "bad If-Match", "%s", err.msg);
            return 400;
        }
        if (!match) return 412;
    }
    h = cn_header_get(c, "if-none-match", &n);
    if (h) {
        if (zd_etag_list_match(h, n, etag, true, &match, &err)) {
            rs_error(c, 400, "bad If-None-Match", "%s", err.msg);
            return 400;
        }
        if (match) return (c->req.method == HTTP_GET || c->req.method == HTTP_HEAD) ? 304 : 412;
    }
    return 0;
}

static int hd_precond_check(const st_precond *pc, const st_stat *cur)
{
    cn_conn *c = pc->ctx;
    int status = hd_cond_eval(c, cur);
    if (!status) return 0;
    c->req.cond_status = status;
    return ZD_EPRECOND;
}

const st_precond *hd_precond(cn_conn *c, st_precond *pc)
{
    if (!hd_cond_present(c)) return NULL;
    *pc = (st_precond){.check = hd_precond_check, .ctx = c};
    return pc;
}

void hd_etag_header(cn_conn *c, const st_stat *st)
{
    rs_header(c, "ETag", st->etag);
}

void hd_cond_answer(cn_conn *c, int status, const st_stat *cur)
{
    if (status == 400) return; /* hd_cond_eval built the answer */
    if (status == 304) {
        rs_begin(c, 304);
        if (cur) hd_etag_header(c, cur);
        rs_send(c, NULL, NULL, 0);
        return;
    }
    rs_error(c, 412, "precondition failed",
             "If-Match / If-None-Match does not hold for the current value");
}

/* The detail of a store error: what the code means for the request. */
static const char *hd_store_detail(int rc)
{
    switch (rc) {
    case ZD_ENOTFOUND:
        return "no value at this key";
    case ZD_EBADKEY:
        return "the key crosses a symbolic link, a special file or another file system";
    case ZD_EISDIR:
        return "a directory is where the value should be, or a value is where a parent "
               "directory should be";
    case ZD_ELINKED:
        return "the file has other hard links, so it is not changed in place (a PUT replaces "
               "it)";
    case ZD_ECONFLICT:
        return "the request contradicts what is stored";
    case ZD_ENOSPC:
        return "no space left on the server";
    case ZD_ERANGE:
        return "offset beyond the end of the value";
    case ZD_EOVERFLOW:
        return "size limit exceeded";
    default:
        return zd_strerror(rc);
    }
}

void hd_store_error(cn_conn *c, int rc, const char *what)
{
    if (rc == ZD_EPRECOND) {
        hd_cond_answer(c, c->req.cond_status ? c->req.cond_status : 412, NULL);
        return;
    }
    hd_status st = hd_status_of(rc);
    mt_error_status(st.status);
    rs_error(c, st.status, st.reason, "%s: %s", what, hd_store_detail(rc));
}
