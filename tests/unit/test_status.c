/* test_status.c: the native API's error table (server/api/native/hd_status.h) against the
 * statuses server/API.md ("Errors") documents for each code of the server's one error space:
 * every ZD_E* code a store, the key space or the shard engine returns reaches the client as the
 * documented status. */
#include <criterion/criterion.h>

#include "hd_status.h"
#include "zd_error.h"

/* server/API.md, "Errors", written out by hand. */
static const struct {
    int code;
    int status;
} documented[] = {
    {ZD_EBADKEY, 400},  {ZD_EINVAL, 400},    {ZD_ENOTFOUND, 404}, {ZD_EISDIR, 409},
    {ZD_ELINKED, 409},  {ZD_ECONFLICT, 409}, {ZD_EPRECOND, 412},  {ZD_EOVERFLOW, 413},
    {ZD_ERANGE, 416},   {ZD_ENOSPC, 507},    {ZD_ENOMEM, 503},    {ZD_EIO, 500},
    {ZD_ECORRUPT, 500}, {ZD_EEXIST, 409},    {ZD_ENOTEMPTY, 409}, {ZD_EBUSY, 503},
};

Test(status, every_code_answers_its_documented_status)
{
    for (size_t i = 0; i < sizeof documented / sizeof *documented; i++) {
        hd_status st = hd_status_of(documented[i].code);
        cr_expect_eq(st.status, documented[i].status, "%s (%d): %d, documented %d",
                     zd_strerror(documented[i].code), documented[i].code, st.status,
                     documented[i].status);
        cr_expect_not_null(st.reason);
    }
}

Test(status, the_table_covers_every_code)
{
    /* a new code must be given its status on purpose (and documented) */
    for (int code = -1; code >= ZD_EWOULDBLOCK; code--) {
        bool listed = false;
        for (size_t i = 0; i < sizeof documented / sizeof *documented; i++)
            listed |= documented[i].code == code;
        if (code == ZD_EUNSUPPORTED || code == ZD_EWOULDBLOCK)
            continue; /* never answered as such (mapped before, or redone on an I/O thread) */
        cr_expect(listed, "code %d (%s) has no documented status", code, zd_strerror(code));
    }
}
