/* shard_http.c: the shard endpoints' request logic (see shard_http.h). */
#include "shard_http.h"

#include "shard_batch.h"
#include "shard_header.h"
#include "zd_query.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t engine_mu = PTHREAD_MUTEX_INITIALIZER;
static sh_engine *engine;

int sh_http_start(const char *root, sh_fsync_mode mode, zd_error *err)
{
    pthread_mutex_lock(&engine_mu);
    int rc = 0;
    if (!__atomic_load_n(&engine, __ATOMIC_ACQUIRE)) {
        sh_engine *e;
        sh_engine_opts opts = {.fsync = mode};
        rc = sh_engine_open(&e, root, &opts, err);
        if (rc == 0) __atomic_store_n(&engine, e, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&engine_mu);
    return rc;
}

sh_engine *sh_http_engine(void)
{
    return __atomic_load_n(&engine, __ATOMIC_ACQUIRE);
}

void sh_http_stop(void)
{
    pthread_mutex_lock(&engine_mu);
    sh_engine_close(engine);
    engine = NULL;
    pthread_mutex_unlock(&engine_mu);
}

bool sh_http_wants_body(sh_method m)
{
    return m == SH_PUT || m == SH_POST;
}

static void answer(sh_http_response *rs, int status, const char *error)
{
    rs->status = status;
    rs->error = error;
}

/* Map an engine error to a status. */
static void answer_code(sh_http_response *rs, int rc)
{
    switch (rc) {
    case ZD_EINVAL:
    case ZD_ERANGE:
        answer(rs, 400, "bad request");
        break;
    case ZD_ECONFLICT:
        answer(rs, 409, "conflict");
        break;
    case ZD_ENOTFOUND:
        answer(rs, 404, "not found");
        break;
    case ZD_EOVERFLOW:
        answer(rs, 413, "payload too large");
        break;
    case ZD_ENOMEM:
        answer(rs, 503, "out of memory");
        break;
    default:
        answer(rs, 500, "internal error");
        break;
    }
}

/* The query: exactly one of chunk=C (coords of ndim values) or batch. */
static int parse_query(const sh_http_request *rq, const zd_shard_layout *l, bool *batch,
                       uint64_t *coords, zd_error *err)
{
    char value[ZD_MAX_DIMS * 21 + 1], flag[16];
    size_t vlen, flen, n;
    bool has_chunk, has_batch;
    int rc = zd_query_get(rq->query, rq->query_len, "chunk", value, sizeof value, &vlen, &has_chunk,
                          err);
    if (rc == 0)
        rc = zd_query_get(rq->query, rq->query_len, "batch", flag, sizeof flag, &flen, &has_batch,
                          NULL);
    if (rc) return zd_error_set(err, ZD_EINVAL, "malformed query string");
    if (has_chunk == has_batch)
        return zd_error_set(err, ZD_EINVAL, "the query needs exactly one of chunk=C or batch");
    *batch = has_batch;
    if (has_batch) return 0;
    if (zd_parse_u64_list(value, vlen, coords, ZD_MAX_DIMS, &n, NULL) != 0)
        return zd_error_set(err, ZD_EINVAL, "chunk= must be comma-separated coordinates");
    if (n != (size_t)l->ndim)
        return zd_error_set(err, ZD_EINVAL, "chunk= has %zu coordinates, the shard has %d", n,
                            l->ndim);
    return 0;
}

static int run(sh_engine *e, const sh_http_request *rq, const zd_shard_layout *l, bool batch,
               const uint64_t *coords, sh_http_response *rs)
{
    zd_error *err = &rs->detail;
    if (batch) {
        if (rq->method != SH_POST) return zd_error_set(err, ZD_EINVAL, "?batch takes POST");
        sh_op *ops;
        size_t n;
        int rc = sh_batch_parse(rq->body, rq->body_len, l->ndim, &ops, &n, err);
        if (rc == 0) rc = sh_engine_apply(e, rq->key, l, ops, n, err);
        free(ops);
        return rc;
    }
    switch (rq->method) {
    case SH_GET:
    case SH_HEAD:
        return sh_engine_get(e, rq->key, l, coords, &rs->body, err);
    case SH_PUT:
        return sh_engine_put(e, rq->key, l, coords, rq->body, rq->body_len, err);
    case SH_DELETE:
        return sh_engine_delete(e, rq->key, l, coords, err);
    default:
        return zd_error_set(err, ZD_EINVAL, "?chunk= takes GET, HEAD, PUT or DELETE");
    }
}

void sh_http_handle(sh_engine *e, const sh_http_request *rq, sh_http_response *rs)
{
    zd_buf_reset(&rs->body);
    zd_error_clear(&rs->detail);
    if (rq->method == SH_OTHER) {
        zd_error_set(&rs->detail, ZD_EINVAL, "shard endpoints take GET, HEAD, PUT, DELETE, POST");
        answer(rs, 405, "method not allowed");
        return;
    }
    zd_shard_layout l;
    int rc;
    if (!rq->zarr_shard)
        rc = zd_error_set(&rs->detail, ZD_EINVAL,
                          "shard requests need a Zarr-Shard header describing the layout");
    else
        rc = sh_header_parse(rq->zarr_shard, rq->zarr_shard_len, &l, &rs->detail);
    bool batch = false;
    uint64_t coords[ZD_MAX_DIMS];
    if (rc == 0) rc = parse_query(rq, &l, &batch, coords, &rs->detail);
    if (rc == 0) rc = run(e, rq, &l, batch, coords, rs);
    if (rc) {
        answer_code(rs, rc);
        return;
    }
    answer(rs, rq->method == SH_GET || rq->method == SH_HEAD ? 200 : 204, NULL);
}
