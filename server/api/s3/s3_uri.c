/* s3_uri.c: query parameters of S3 requests, split once per request (routing asks for a
 * dozen names), decoded as S3 does (s3_pct_decode: "%XX" only, a '+' stays a '+', as S3 SDKs
 * always encode a space as %20). */
#include "s3_internal.h"

#include <string.h>

bool s3_query_parse(cn_conn *c, s3_req *q)
{
    const char *s = c->req.query;
    size_t len = c->req.query_len, i = 0, used = 0;
    q->nparams = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - s) : len;
        const char *eq = memchr(s + i, '=', end - i);
        s3_param p = {.name = s + i,
                      .nlen = eq ? (size_t)(eq - (s + i)) : end - i,
                      .value = eq ? eq + 1 : s + end};
        p.vlen = (size_t)(s + end - p.value);
        i = end + 1;
        if (p.nlen == 0) continue;
        if (q->nparams == S3_MAX_QUERY_PARAMS) {
            q->nparams = 0;
            s3_error(c, S3E_INVALID_ARGUMENT, "A request may have at most %d query parameters.",
                     S3_MAX_QUERY_PARAMS);
            return false;
        }
        if (memchr(p.name, '%', p.nlen)) { /* rare: decode it; a malformed one stays as sent */
            long dl = s3_pct_decode(p.name, p.nlen, q->qnames + used, sizeof q->qnames - used);
            if (dl >= 0) {
                p.name = q->qnames + used;
                p.nlen = (size_t)dl;
                used += (size_t)dl + 1;
            }
        }
        q->params[q->nparams++] = p;
    }
    return true;
}

/* The first parameter named `name`. */
static const s3_param *s3_query_find(cn_conn *c, const char *name)
{
    const s3_req *q = s3_q(c);
    size_t want = strlen(name);
    for (size_t i = 0; i < q->nparams; i++) {
        const s3_param *p = &q->params[i];
        if (p->nlen == want && memcmp(p->name, name, want) == 0) return p;
    }
    return NULL;
}

int s3_query(cn_conn *c, const char *name, char *out, size_t cap, size_t *len)
{
    const s3_param *p = s3_query_find(c, name);
    if (!p) {
        out[0] = '\0';
        *len = 0;
        return 0;
    }
    long n = s3_pct_decode(p->value, p->vlen, out, cap);
    if (n < 0) return -1;
    *len = (size_t)n;
    return 1;
}

bool s3_query_has(cn_conn *c, const char *name)
{
    return s3_query_find(c, name) != NULL;
}
