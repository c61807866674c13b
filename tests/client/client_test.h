/* client_test.h: helpers for client tests against a real zarrd (tests/support): a client for
 * the running test's server and assertions that print zc_errmsg() on failure. */
#ifndef CLIENT_TEST_H
#define CLIENT_TEST_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "zarrd/client.h"
#include "zt_fixture.h"

#define ZC_OK_OR_FAIL(expr)                                                                        \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        cr_assert_eq(rc_, 0, "%s: %s (%d): %s", #expr, zc_strerror(rc_), rc_, zc_errmsg());        \
    } while (0)

/* The base URL of the test's server (+ optional path prefix). */
static inline void ct_url(char *out, size_t cap, const char *prefix)
{
    snprintf(out, cap, "http://%s:%d%s", zt_srv()->host, zt_srv()->port, prefix ? prefix : "");
}

/* A client of the test's server with opts (NULL = defaults). */
static inline zc_client *ct_client(const zc_options *opts)
{
    char url[128];
    ct_url(url, sizeof url, NULL);
    zc_client *c = NULL;
    ZC_OK_OR_FAIL(zc_client_open(url, opts, &c));
    return c;
}

/* A 1-D uint8 array's spec (shards may be NULL); the arrays hold the pointers. */
static inline zc_array_spec ct_spec_1d(const uint64_t *shape, const uint64_t *chunks,
                                       const uint64_t *shards, const char *codec)
{
    return (zc_array_spec){.ndim = 1,
                           .shape = shape,
                           .chunks = chunks,
                           .shards = shards,
                           .dtype = "uint8",
                           .codec = codec};
}

#endif
