/* zc_request.c: retry policy and HTTP status to error mapping (see zc_request.h). */
#include "zc_request.h"

#include "zarrd/client.h"
#include "zc_errmsg.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is_idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

int zc_status_code(int status)
{
    if (status >= 200 && status < 300) return 0;
    switch (status) {
    case 400:
        return ZC_EINVAL;
    case 401:
    case 403:
        return ZC_EDENIED;
    case 404:
        return ZC_ENOTFOUND;
    case 409:
    case 412:
        return ZC_ECONFLICT;
    case 413:
        return ZC_EOVERFLOW;
    case 415:
        return ZC_EUNSUPPORTED;
    case 416:
        return ZC_ERANGE;
    default:
        return status >= 500 ? ZC_ESERVER : ZC_EHTTP;
    }
}

void zc_backoff(int attempt)
{
    static _Thread_local unsigned seed;
    if (!seed) seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
    long ms = 50L << (attempt < 6 ? attempt : 6);
    if (ms > 2000) ms = 2000;
    ms = ms / 2 + rand_r(&seed) % (ms / 2 + 1);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int zc_status_error(const zc_request *rq, const zc_response *rs, zd_error *err)
{
    int code = zc_status_code(rs->status);
    const char *what = NULL, *detail = NULL;
    cJSON *j = NULL;
    if (rs->body.len > 0 && rs->body.len < 65536)
        j = cJSON_ParseWithLength((const char *)rs->body.data, rs->body.len);
    if (j) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "detail");
        what = cJSON_IsString(e) ? e->valuestring : NULL;
        detail = cJSON_IsString(d) ? d->valuestring : NULL;
    }
    zd_error_set(err, code, "HTTP %d on %s %s: %s%s%s%s", rs->status, rq->method, rq->target,
                 what ? what : zc_strerror(code), detail ? " (" : "", detail ? detail : "",
                 detail ? ")" : "");
    cJSON_Delete(j);
    return code;
}

int zc_request_run(zc_conn *c, const zc_request *rq, zc_response *rs, zd_error *err)
{
    bool idem = is_idempotent(rq->method);
    int left = c->cfg->retries;
    bool stale_retry_used = false;
    for (int attempt = 0;; attempt++) {
        bool reused = c->reused, sent_fully = false;
        int rc = zc_conn_exchange(c, rq, rs, &sent_fully, err);
        zc_status_note(rc == 0 ? rs->status : 0);
        if (rc == 0) {
            bool transient = idem && rs->status >= 502 && rs->status <= 504;
            if (!transient || left <= 0)
                return rs->status >= 200 && rs->status < 300 ? 0 : zc_status_error(rq, rs, err);
        } else {
            /* bytes already passed to a sink, or taken from a body's source, cannot be taken
             * back, and a failure on this side (a sink's stop, a body file that shrank) would
             * only come again */
            bool retryable = (idem || !sent_fully) && rc != ZD_ENOMEM && rc != ZD_EOVERFLOW &&
                             c->sunk == 0 && !c->body_taken && !c->local_failed;
            if (!retryable) return rc;
            if (reused && !stale_retry_used) {
                stale_retry_used = true;
                continue;
            }
            if (left <= 0) return rc;
        }
        left--;
        zc_backoff(attempt);
    }
}

int zc_key_run(zc_conn *c, const char *key, const char *query, zc_request *rq, zc_response *rs,
               zd_error *err)
{
    zd_buf target = {0};
    int rc = zc_url_target(&c->cfg->url, key, 0, query, &target, err);
    if (rc == 0 && (rc = zd_buf_append(&target, "", 1)) < 0) zd_error_set(err, rc, "out of memory");
    if (rc == 0) {
        rq->target = (const char *)target.data;
        rc = zc_request_run(c, rq, rs, err);
        rq->target = NULL;
    }
    zd_buf_free(&target);
    return rc;
}

int zc_key_request(zc_conn *c, const char *method, const char *key, const char *query,
                   const char *headers, const void *body, size_t len, zc_response *rs,
                   zd_error *err)
{
    zc_request rq = {.method = method, .headers = headers, .body = body, .body_len = len};
    return zc_key_run(c, key, query, &rq, rs, err);
}
