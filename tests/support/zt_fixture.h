/* zt_fixture.h: Criterion glue shared by the integration tests. A test suite declares
 *     TestSuite(name, .init = zt_fixture_start, .fini = zt_fixture_stop);
 * and every test then gets its own zarrd (store from $ZT_STORE) in a fresh directory; the
 * fini asserts that the server shut down cleanly with exit status 0 — which also catches
 * sanitizer reports in the ASan leg. Helpers below assert on transport errors so a test body
 * only states what it expects of the server. */
#ifndef ZT_FIXTURE_H
#define ZT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "zt_http.h"
#include "zt_server.h"

/* The running test's server. */
zt_server *zt_srv(void);

/* Criterion .init / .fini: start the test's server with default options / stop it. */
void zt_fixture_start(void);
void zt_fixture_stop(void);

/* For tests that measure the server's memory: under ASan freed memory waits in a quarantine
 * (256 MiB by default) that would count as growth; this sets a small one (8 MiB) in
 * ASAN_OPTIONS for the servers started afterwards. Harmless without ASan. */
void zt_small_asan_quarantine(void);

/* Start the test's server with extra zarrd arguments (NULL-terminated). */
void zt_fixture_start_args(const char *const *extra_args);

/* Start the test's server with a token file holding `lines` (the --token-file format) and
 * extra arguments (NULL-terminated, may be NULL); zt_fixture_stop removes the file. */
void zt_fixture_start_tokens(const char *lines, const char *const *extra_args);

/* True when the test runs against the fs store. */
bool zt_store_is_fs(void);

/* One request on a new connection to the test's server; asserts a well-formed response. */
void zt_do(const char *method, const char *target, const char *headers, const void *body,
           size_t len, zt_response *r);

/* The status of such a request (response discarded). */
int zt_status(const char *method, const char *target, const char *headers, const void *body,
              size_t len);

/* PUT a NUL-terminated string as the whole value of target; asserts 201 or 204. */
void zt_put_str(const char *target, const char *value);

/* GET target; asserts 200 and that the body equals len bytes of data. */
void zt_expect_value(const char *target, const void *data, size_t len);

/* Open c to the test's server and send `GET target`, asserting the head of a 200 answer is
 * read into r; the body is the caller's to read (zt_read_body). */
void zt_open_get_head(zt_conn *c, const char *target, zt_response *r);

/* Open c to the test's server as a keep-alive connection that has answered one request
 * (GET /_zarrd/health, asserted 200) and is now idle. */
void zt_open_idle_conn(zt_conn *c);

/* Assert r has the given status and a JSON object body with a string member "error". */
void zt_expect_error(const zt_response *r, int status);

/* Run `method target` and assert zt_expect_error(status) on the answer. */
void zt_expect_error_for(const char *method, const char *target, const char *headers,
                         const void *body, size_t len, int status);

/* zarr.json of a small sharded array: shape 16 uint8, shards of 8, inner chunks of 2 (so 2
 * encoded bytes each: "bytes" codec, index at the end with crc32c), default "/" chunk keys, so
 * ARRAY/c/0 and ARRAY/c/1 are its shards. */
extern const char zt_sharded_zarr_json[];

#endif
