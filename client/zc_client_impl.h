/* zc_client_impl.h: the inside of the opaque zc_client handle, shared by the library's files:
 * configuration, the idle connections used by calling threads for raw operations, and the
 * worker pool that runs the chunk pipeline. */
#ifndef ZC_CLIENT_IMPL_H
#define ZC_CLIENT_IMPL_H

#include "zarrd/client.h"
#include "zc_conn.h"

#include <pthread.h>

struct zc_pool;

struct zc_client {
    zc_conn_cfg cfg;
    zc_options opts; /* opts.token points at nothing; the token lives in cfg.auth_header */
    pthread_mutex_t idle_lock;
    zc_conn *idle;        /* connections not in use by any calling thread */
    struct zc_pool *pool; /* started on first use */
    pthread_mutex_t pool_lock;
};

/* A connection for the calling thread (an idle one or a new one); NULL when out of memory. */
zc_conn *zc_client_conn_get(zc_client *c);

/* Give a connection back for reuse. */
void zc_client_conn_put(zc_client *c, zc_conn *conn);

/* Run one request on a connection borrowed for the call (zc_request_run). */
int zc_client_request(zc_client *c, const zc_request *rq, zc_response *rs, zd_error *err);

#endif
