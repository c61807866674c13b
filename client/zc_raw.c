/* zc_raw.c: the raw key/value operations of the public API: zc_get, zc_get_stream,
 * zc_get_range, zc_head, zc_put, zc_put_file, zc_put_stream, zc_patch, zc_delete. */
#include "zc_client_impl.h"

#include "zc_errmsg.h"
#include "zc_request.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where a 2xx answer's body goes instead of rs (zc_conn.sink), and how much went. */
typedef struct body_sink {
    zc_sink fn;
    void *arg;
    uint64_t passed;
} body_sink;

/* Run rq on key with a connection borrowed for the call; the answer stays in rs, or its body
 * goes to sink (when not NULL). */
static int key_run(zc_client *c, const char *key, zc_request *rq, body_sink *sink, zc_response *rs,
                   zd_error *err)
{
    zc_conn *conn = zc_client_conn_get(c);
    if (!conn) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (sink) {
        conn->sink = sink->fn;
        conn->sink_arg = sink->arg;
    }
    int rc = zc_key_run(conn, key, NULL, rq, rs, err);
    if (sink) sink->passed = conn->sunk;
    conn->sink = NULL;
    conn->sink_arg = NULL;
    conn->sunk = 0;
    zc_client_conn_put(c, conn);
    return rc;
}

/* Run a bodiless method (GET, HEAD) on key; the answer stays in rs. */
static int key_request(zc_client *c, const char *method, const char *key, const char *headers,
                       zc_response *rs, zd_error *err)
{
    zc_request rq = {.method = method, .headers = headers};
    return key_run(c, key, &rq, NULL, rs, err);
}

/* Run rq on key for its status alone (what a 2xx answer says is dropped, or goes to sink): the
 * public API's code, with the message set. */
static int key_status(zc_client *c, const char *key, zc_request *rq, body_sink *sink)
{
    zd_error err = {0};
    zc_response rs;
    zc_response_init(&rs);
    int rc = key_run(c, key, rq, sink, &rs, &err);
    zc_response_free(&rs);
    return zc_report(rc, &err);
}

/* Hand the body over as a caller-owned buffer (never NULL on success). */
static int take_body(zc_response *rs, size_t skip, size_t n, void **data, size_t *len)
{
    uint8_t *p = malloc(n ? n : 1);
    if (!p) return ZD_ENOMEM;
    if (n) memcpy(p, rs->body.data + skip, n);
    *data = p;
    *len = n;
    return 0;
}

int zc_get(zc_client *c, const char *key, void **data, size_t *len)
{
    zd_error err = {0};
    zc_response rs;
    zc_response_init(&rs);
    *data = NULL;
    *len = 0;
    int rc = key_request(c, "GET", key, NULL, &rs, &err);
    if (rc == 0) {
        size_t n;
        uint8_t *p = zd_buf_steal(&rs.body, &n);
        if (p) {
            *data = p;
            *len = n;
        } else {
            rc = take_body(&rs, 0, 0, data, len);
        }
    }
    zc_response_free(&rs);
    return zc_report(rc, &err);
}

int zc_get_stream(zc_client *c, const char *key, zc_sink sink, void *arg, uint64_t *len)
{
    body_sink to = {sink, arg, 0};
    int rc = key_status(c, key, &(zc_request){.method = "GET"}, &to);
    if (len) *len = to.passed;
    return rc;
}

int zc_get_range(zc_client *c, const char *key, uint64_t offset, uint64_t length, void **data,
                 size_t *len)
{
    zd_error err = {0};
    *data = NULL;
    *len = 0;
    if (length == 0) return zc_report(take_body(NULL, 0, 0, data, len), NULL);
    char hdr[96];
    if (length == ZC_TO_END || length - 1 > UINT64_MAX - offset)
        snprintf(hdr, sizeof hdr, "Range: bytes=%" PRIu64 "-\r\n", offset);
    else
        snprintf(hdr, sizeof hdr, "Range: bytes=%" PRIu64 "-%" PRIu64 "\r\n", offset,
                 offset + length - 1);
    zc_response rs;
    zc_response_init(&rs);
    int rc = key_request(c, "GET", key, hdr, &rs, &err);
    if (rc == 0 && rs.status == 206) {
        uint64_t first, last;
        if (zc_content_range(rs.content_range, &first, &last, NULL) < 0 || first != offset ||
            last - first + 1 != rs.body.len)
            rc = zd_error_set(&err, ZD_EIO, "GET %s: bad Content-Range '%s' for %zu bytes", key,
                              rs.content_range, rs.body.len);
        else
            rc = take_body(&rs, 0, rs.body.len, data, len);
    } else if (rc == 0) { /* a whole-value answer: cut the range out ourselves */
        if (offset >= rs.body.len) {
            rc = zd_error_set(&err, ZD_ERANGE, "GET %s: offset %" PRIu64 " past the end (%zu)", key,
                              offset, rs.body.len);
        } else {
            size_t avail = rs.body.len - (size_t)offset;
            size_t n = length < avail ? (size_t)length : avail;
            rc = take_body(&rs, (size_t)offset, n, data, len);
        }
    }
    zc_response_free(&rs);
    return zc_report(rc, &err);
}

int zc_head(zc_client *c, const char *key, uint64_t *size)
{
    zd_error err = {0};
    zc_response rs;
    zc_response_init(&rs);
    int rc = key_request(c, "HEAD", key, NULL, &rs, &err);
    if (rc == 0 && rs.content_length == UINT64_MAX)
        rc = zd_error_set(&err, ZD_EIO, "HEAD %s: no Content-Length in the answer", key);
    if (rc == 0) *size = rs.content_length;
    zc_response_free(&rs);
    return zc_report(rc, &err);
}

int zc_put(zc_client *c, const char *key, const void *data, size_t len)
{
    return key_status(c, key, &(zc_request){.method = "PUT", .body = data, .body_len = len}, NULL);
}

int zc_put_file(zc_client *c, const char *key, int fd)
{
    zd_error err = {0};
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > SIZE_MAX)
        return zc_report(
            zd_error_set(&err, ZD_EINVAL, "PUT %s: the body is not a regular file", key), &err);
    zc_request rq = {
        .method = "PUT", .body_len = (size_t)st.st_size, .body_is_file = true, .body_fd = fd};
    return key_status(c, key, &rq, NULL);
}

/* Where a streamed body comes from (zc_request.body_source), and how much came. */
typedef struct body_source {
    zc_source fn;
    void *arg;
    uint64_t taken;
} body_source;

static ssize_t take_piece(void *arg, void *buf, size_t cap)
{
    body_source *from = arg;
    ssize_t n = from->fn(from->arg, buf, cap);
    if (n > 0 && (size_t)n <= cap) from->taken += (uint64_t)n;
    return n;
}

int zc_put_stream(zc_client *c, const char *key, zc_source source, void *arg, uint64_t *len)
{
    if (len) *len = 0;
    if (!source) {
        zd_error err = {0};
        return zc_report(zd_error_set(&err, ZD_EINVAL, "PUT %s: no source for the body", key),
                         &err);
    }
    body_source from = {source, arg, 0};
    zc_request rq = {.method = "PUT", .body_source = take_piece, .body_source_arg = &from};
    int rc = key_status(c, key, &rq, NULL);
    if (len) *len = from.taken;
    return rc;
}

int zc_patch(zc_client *c, const char *key, uint64_t offset, const void *data, size_t len)
{
    zd_error err = {0};
    if (len == 0 || len - 1 > UINT64_MAX - offset)
        return zc_report(zd_error_set(&err, ZD_EINVAL, "PATCH %s: empty or overflowing range", key),
                         &err);
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/*\r\n", offset,
             offset + len - 1);
    zc_request rq = {.method = "PATCH", .headers = hdr, .body = data, .body_len = len};
    return key_status(c, key, &rq, NULL);
}

int zc_delete(zc_client *c, const char *key)
{
    return key_status(c, key, &(zc_request){.method = "DELETE"}, NULL);
}
