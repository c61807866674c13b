/* zc_client.c: client handle life cycle, options and the idle connection list. */
#include "zc_client_impl.h"

#include "zc_errmsg.h"
#include "zc_pool.h"
#include "zc_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zc_options_init(zc_options *opts)
{
    memset(opts, 0, sizeof *opts);
}

void zc_free(void *p)
{
    free(p);
}

static int token_ok(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t <= ' ' || *t == 0x7f) return 0;
    return 1;
}

int zc_client_open(const char *url, const zc_options *opts, zc_client **out)
{
    zd_error err = {0};
    *out = NULL;
    zc_client *c = calloc(1, sizeof *c);
    if (!c) return zc_report(ZD_ENOMEM, NULL);
    if (opts) c->opts = *opts;
    int rc = zc_url_parse(url, &c->cfg.url, &err);
    if (rc < 0) {
        free(c);
        return zc_report(rc, &err);
    }
    const char *token = c->opts.token;
    c->opts.token = NULL;
    if (token) {
        int n = snprintf(c->cfg.auth_header, sizeof c->cfg.auth_header,
                         "Authorization: Bearer %s\r\n", token);
        if (!token_ok(token) || n < 0 || (size_t)n >= sizeof c->cfg.auth_header) {
            free(c);
            zd_error_set(&err, ZD_EINVAL, "bad bearer token (too long or contains spaces)");
            return zc_report(ZD_EINVAL, &err);
        }
    }
    c->cfg.connect_timeout_ms = c->opts.connect_timeout_ms > 0 ? c->opts.connect_timeout_ms : 5000;
    c->cfg.io_timeout_ms = c->opts.io_timeout_ms > 0 ? c->opts.io_timeout_ms : 60000;
    c->cfg.retries = c->opts.retries < 0 ? 0 : c->opts.retries == 0 ? 3 : c->opts.retries;
    pthread_mutex_init(&c->idle_lock, NULL);
    pthread_mutex_init(&c->pool_lock, NULL);
    *out = c;
    return zc_report(0, NULL);
}

void zc_client_close(zc_client *c)
{
    if (!c) return;
    zc_pool_free(c->pool);
    while (c->idle) {
        zc_conn *n = c->idle->next;
        zc_conn_free(c->idle);
        free(c->idle);
        c->idle = n;
    }
    pthread_mutex_destroy(&c->idle_lock);
    pthread_mutex_destroy(&c->pool_lock);
    free(c);
}

zc_conn *zc_client_conn_get(zc_client *c)
{
    pthread_mutex_lock(&c->idle_lock);
    zc_conn *conn = c->idle;
    if (conn) c->idle = conn->next;
    pthread_mutex_unlock(&c->idle_lock);
    if (!conn && (conn = malloc(sizeof *conn)) != NULL) zc_conn_init(conn, &c->cfg);
    return conn;
}

void zc_client_conn_put(zc_client *c, zc_conn *conn)
{
    pthread_mutex_lock(&c->idle_lock);
    conn->next = c->idle;
    c->idle = conn;
    pthread_mutex_unlock(&c->idle_lock);
}

int zc_client_request(zc_client *c, const zc_request *rq, zc_response *rs, zd_error *err)
{
    zc_conn *conn = zc_client_conn_get(c);
    if (!conn) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    int rc = zc_request_run(conn, rq, rs, err);
    zc_client_conn_put(c, conn);
    return rc;
}
