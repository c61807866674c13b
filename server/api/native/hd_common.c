/* hd_common.c: helpers shared by the handlers: preconditions (RFC 9110 13.2.2), store error
 * mapping, validator headers (ETag, Last-Modified) (see handlers.h). */
#include "handlers.h"

#include "hd_status.h"
#include "metrics.h"
#include "zd_cond.h"
#include "zd_error.h"
#include "zd_httpdate.h"

st_store *hd_store(cn_conn *c)
{
    return c->w->shared->store;
}

/* A malformed If-Match / If-None-Match is answered here, on the loop (400), so that the
 * precondition a work step checks (hd_cond_eval, maybe on an I/O thread) never has an answer
 * to build. */
static bool hd_cond_syntax_ok(cn_conn *c)
{
    static const char *const names[] = {"if-match", "if-none-match"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        bool match;
        zd_error err = {0};
        const char *h = cn_header_get(c, names[i], &n);
        if (h && zd_etag_list_match(h, n, NULL, i == 1, &match, &err)) {
            rs_error(c, 400, i ? "bad If-None-Match" : "bad If-Match", "%s", err.msg);
            return false;
        }
    }
    return true;
}

void hd_offload(cn_conn *c, bool heavy)
{
    if (!hd_cond_syntax_ok(c)) return;
    st_store *s = hd_store(c);
    c->req.offload = s->files && (heavy || st_writes_block(s)); /* memory never blocks */
}

bool hd_cond_present(cn_conn *c)
{
    size_t n;
    return cn_header_get(c, "if-match", &n) || cn_header_get(c, "if-none-match", &n) ||
           cn_header_get(c, "if-unmodified-since", &n);
}

uint64_t hd_last_modified(const st_stat *st)
{
    return st->mtime_ns / 1000000000u;
}

/* The date of header `name`, or false when absent or not a valid HTTP-date (then ignored). */
static bool hd_header_date(cn_conn *c, const char *name, int64_t *t)
{
    size_t n;
    const char *h = cn_header_get(c, name, &n);
    return h && zd_httpdate_parse(h, n, t);
}

/* RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else (GET/HEAD)
 * If-Modified-Since. A date is compared with the value's Last-Modified (whole seconds); an
 * invalid date is ignored, and so is If-Unmodified-Since when there is no value (nothing has
 * a modification date). */
int hd_cond_eval(cn_conn *c, const st_stat *cur)
{
    size_t n;
    bool match;
    int64_t t;
    zd_error err = {0};
    bool read = c->req.method == HTTP_GET || c->req.method == HTTP_HEAD;
    const char *etag = cur ? cur->etag : NULL;
    const char *h = cn_header_get(c, "if-match", &n);
    if (h) {
        if (zd_etag_list_match(h, n, etag, false, &match, &err)) {
            rs_error(c, 400, "bad If-Match", "%s", err.msg);
            return 400;
        }
        if (!match) return 412;
    } else if (cur && hd_header_date(c, "if-unmodified-since", &t) &&
               (t < 0 || hd_last_modified(cur) > (uint64_t)t)) {
        return 412;
    }
    h = cn_header_get(c, "if-none-match", &n);
    if (h) {
        if (zd_etag_list_match(h, n, etag, true, &match, &err)) {
            rs_error(c, 400, "bad If-None-Match", "%s", err.msg);
            return 400;
        }
        if (match) return read ? 304 : 412;
    } else if (read && cur && hd_header_date(c, "if-modified-since", &t) && t >= 0 &&
               hd_last_modified(cur) <= (uint64_t)t) {
        return 304;
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

void hd_validators(cn_conn *c, const st_stat *st)
{
    rs_header(c, "ETag", st->etag);
    if (st->mtime_ns) {
        char date[ZD_HTTPDATE_LEN + 1];
        zd_httpdate_format((int64_t)hd_last_modified(st), date);
        rs_header(c, "Last-Modified", date);
    }
}

void hd_cond_answer(cn_conn *c, int status, const st_stat *cur)
{
    if (status == 400) return; /* hd_cond_eval built the answer */
    if (status == 304) {
        rs_begin(c, 304);
        if (cur) hd_validators(c, cur);
        rs_send(c, NULL, NULL, 0);
        return;
    }
    rs_error(c, 412, "precondition failed",
             "If-Match / If-None-Match / If-Unmodified-Since does not hold for the current value");
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
