/* shard_http_client.c: shard-endpoint requests for tests (see shard_http_client.h). */
#include "shard_http_client.h"

#include <stdio.h>
#include <string.h>

int shc_request(zt_conn *c, const char *method, const char *key, const char *query,
                const char *layout, const void *body, size_t len, zt_response *r)
{
    char target[1200], headers[1200] = "";
    snprintf(target, sizeof target, "/%s%s%s", key, query ? "?" : "", query ? query : "");
    if (layout) snprintf(headers, sizeof headers, "Zarr-Shard: %s\r\n", layout);
    int rc = zt_send_request(c, method, target, headers, body, len);
    return rc ? rc : zt_read_response(c, r, strcmp(method, "HEAD") == 0);
}

int shc_status(zt_conn *c, const char *method, const char *key, const char *query,
               const char *layout, const void *body, size_t len)
{
    zt_response r = {0};
    int rc = shc_request(c, method, key, query, layout, body, len, &r);
    int status = rc ? -1 : r.status;
    zt_response_free(&r);
    return status;
}

void shc_chunk_query(char *out, size_t cap, int ndim, const uint64_t *coords)
{
    size_t n = (size_t)snprintf(out, cap, "chunk=");
    for (int d = 0; d < ndim && n < cap; d++)
        n += (size_t)snprintf(out + n, cap - n, "%s%llu", d ? "," : "",
                              (unsigned long long)coords[d]);
}

int shc_read_file(const char *root, const char *key, zd_buf *out)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, key);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    zd_buf_reset(out);
    uint8_t buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        rc = zd_buf_append(out, buf, n);
    fclose(fp);
    return rc ? -1 : 0;
}

int shc_read_value(const zt_server *s, const char *key, zd_buf *out)
{
    char target[1200];
    snprintf(target, sizeof target, "/%s", key);
    zt_response r = {0};
    int rc = zt_request(s, "GET", target, NULL, NULL, 0, &r) == 0 && r.status == 200 ? 0 : -1;
    zd_buf_reset(out);
    if (rc == 0 && zd_buf_append(out, r.body.data, r.body.len) != 0) rc = -1;
    zt_response_free(&r);
    return rc;
}
