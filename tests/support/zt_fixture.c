/* zt_fixture.c: Criterion fixture and assertion helpers for integration tests (see
 * zt_fixture.h). One server per test process: Criterion runs each test in its own process. */
#include "zt_fixture.h"

#include "zt_tmpdir.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static zt_server server;
static char token_dir[PATH_MAX]; /* zt_fixture_start_tokens' file, removed at stop */

zt_server *zt_srv(void)
{
    return &server;
}

/* A test that ends without its .fini (Criterion runs none after cr_skip_test) would leave its
 * server's directory behind: stop it at exit instead. After a .fini there is nothing left. */
static void stop_at_exit(void)
{
    if (token_dir[0]) {
        zt_tmpdir_remove(token_dir);
        token_dir[0] = '\0';
    }
    if (server.dir[0]) zt_server_stop(&server, NULL);
}

void zt_fixture_start_args(const char *const *extra_args)
{
    static bool stop_registered;
    if (!stop_registered) stop_registered = atexit(stop_at_exit) == 0;
    /* A test that starts its own server after its suite's .init started one (a test's .init =
     * NULL keeps the suite's): that one stops first, or its directory would be left behind. */
    if (server.dir[0]) zt_server_stop(&server, NULL);
    zt_server_opts opts = {.extra_args = extra_args};
    cr_assert_eq(zt_server_start(&server, &opts), 0, "zarrd did not start (store %s)", zt_store());
}

void zt_fixture_start_tokens(const char *lines, const char *const *extra_args)
{
    char path[PATH_MAX + 16];
    cr_assert_eq(zt_tmpdir_create(token_dir, sizeof token_dir), 0);
    snprintf(path, sizeof path, "%s/tokens", token_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(lines, f);
    fclose(f);
    const char *args[32] = {"--token-file", path};
    size_t n = 2;
    for (; extra_args && extra_args[n - 2] && n < 31; n++)
        args[n] = extra_args[n - 2];
    args[n] = NULL;
    zt_fixture_start_args(args);
}

void zt_fixture_start(void)
{
    zt_fixture_start_args(NULL);
}

void zt_fixture_stop(void)
{
    if (token_dir[0]) {
        zt_tmpdir_remove(token_dir);
        token_dir[0] = '\0';
    }
    if (server.dir[0] == '\0') return; /* the test stopped it itself, or start failed */
    int wstatus = 0;
    cr_assert_eq(zt_server_stop(&server, &wstatus), 0,
                 "zarrd did not exit cleanly on SIGTERM (wait status %d)", wstatus);
}

bool zt_store_is_fs(void)
{
    return strcmp(server.store, "fs") == 0;
}

void zt_do(const char *method, const char *target, const char *headers, const void *body,
           size_t len, zt_response *r)
{
    cr_assert_eq(zt_request(&server, method, target, headers, body, len, r), 0,
                 "%s %s: no well-formed response", method, target);
}

int zt_status(const char *method, const char *target, const char *headers, const void *body,
              size_t len)
{
    zt_response r;
    zt_do(method, target, headers, body, len, &r);
    int status = r.status;
    zt_response_free(&r);
    return status;
}

void zt_put_str(const char *target, const char *value)
{
    int status = zt_status("PUT", target, NULL, value, strlen(value));
    cr_assert(status == 201 || status == 204, "PUT %s: status %d", target, status);
}

void zt_expect_value(const char *target, const void *data, size_t len)
{
    zt_response r;
    zt_do("GET", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "GET %s: status %d", target, r.status);
    cr_assert_eq(r.body.len, len, "GET %s: %zu bytes, expected %zu", target, r.body.len, len);
    cr_assert(len == 0 || memcmp(r.body.data, data, len) == 0, "GET %s: wrong bytes", target);
    zt_response_free(&r);
}

void zt_expect_error(const zt_response *r, int status)
{
    cr_assert_eq(r->status, status, "status %d, expected %d; body: %.*s", r->status, status,
                 (int)(r->body.len > 300 ? 300 : r->body.len), (const char *)r->body.data);
    const char *ct = zt_header(r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "application/json", 16) == 0,
              "error %d has Content-Type %s, expected application/json", status,
              ct ? ct : "(none)");
    cJSON *json = cJSON_ParseWithLength((const char *)r->body.data, r->body.len);
    cr_assert(json && cJSON_IsObject(json), "error %d body is not a JSON object: %.*s", status,
              (int)r->body.len, (const char *)r->body.data);
    cr_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "error")),
              "error %d body has no string \"error\"", status);
    cJSON_Delete(json);
}

void zt_expect_error_for(const char *method, const char *target, const char *headers,
                         const void *body, size_t len, int status)
{
    zt_response r;
    zt_do(method, target, headers, body, len, &r);
    zt_expect_error(&r, status);
    zt_response_free(&r);
}

void zt_open_get_head(zt_conn *c, const char *target, zt_response *r)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(c, "GET", target, NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_head(c, r), 0);
    cr_assert_eq(r->status, 200, "GET %s answered %d", target, r->status);
}

void zt_open_idle_conn(zt_conn *c)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(c, "GET", "/_zarrd/health", NULL, NULL, 0), 0);
    zt_response r;
    cr_assert_eq(zt_read_response(c, &r, false), 0);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
}

const char zt_sharded_zarr_json[] =
    "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[16],\"data_type\":\"uint8\","
    "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[8]}},"
    "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
    "\"fill_value\":0,\"codecs\":[{\"name\":\"sharding_indexed\",\"configuration\":{"
    "\"chunk_shape\":[2],\"codecs\":[{\"name\":\"bytes\"}],\"index_codecs\":[{\"name\":"
    "\"bytes\",\"configuration\":{\"endian\":\"little\"}},{\"name\":\"crc32c\"}],"
    "\"index_location\":\"end\"}}]}";

void zt_small_asan_quarantine(void)
{
    const char *asan = getenv("ASAN_OPTIONS");
    if (asan && strstr(asan, "quarantine_size_mb=8")) return;
    char opts[1024];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=8", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
}
