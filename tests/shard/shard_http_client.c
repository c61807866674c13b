/* shard_http_client.c: shard-endpoint requests for tests (see shard_http_client.h). */
#include "shard_http_client.h"

#include "shard_payload.h"

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
    zd_buf_reset(out);
    return sh_check_read_file(path, out, NULL) ? -1 : 0;
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

zd_shard_layout shc_layout_16x8(void)
{
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 8};
    zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL); /* valid: cannot fail */
    return l;
}

int shc_chunk_status(zt_conn *c, const char *method, const char *key, uint64_t pos,
                     const zd_buf *payload)
{
    uint64_t xy[2] = {pos / 8, pos % 8};
    char q[64];
    shc_chunk_query(q, sizeof q, 2, xy);
    return shc_status(c, method, key, q, SHC_LAYOUT_16X8, payload ? payload->data : NULL,
                      payload ? payload->len : 0);
}

int shc_check_16x8(const uint8_t *shard, size_t len, sh_check_report *rep, zd_error *err)
{
    zd_shard_layout l = shc_layout_16x8();
    return sh_check_buffer(&l, shard, len, sp_check_chunk, NULL, rep, err);
}

int shc_check_value(const zt_server *s, const char *key, sh_check_report *rep, zd_error *err)
{
    zd_buf shard = {0};
    int rc = shc_read_value(s, key, &shard) ? zd_error_set(err, ZD_ENOTFOUND, "no shard at %s", key)
                                            : shc_check_16x8(shard.data, shard.len, rep, err);
    zd_buf_free(&shard);
    return rc;
}

void *shc_writer_run(void *arg)
{
    shc_writer *w = arg;
    zt_conn c;
    if (zt_conn_open_server(&c, w->srv) != 0) {
        w->failures++;
        w->first_bad = -1;
        return NULL;
    }
    zd_buf payload = {0};
    for (uint32_t round = 1; round <= w->rounds; round++) {
        for (uint64_t pos = w->first; pos < SHC_CHUNKS_16X8; pos += w->stride) {
            bool drop = w->drop_every && (pos + round) % w->drop_every == 0;
            sp_make(&payload, pos, round, sp_size(pos, round, w->fixed, w->max));
            int status =
                shc_chunk_status(&c, drop ? "DELETE" : "PUT", w->key, pos, drop ? NULL : &payload);
            if (status != 204 && w->failures++ == 0) w->first_bad = status;
        }
    }
    zd_buf_free(&payload);
    zt_conn_close(&c);
    return NULL;
}
