/* bench_outcome.c: the load generator's outcome classes: a failed call counted by the exact
 * HTTP status of its last response (zc_last_status), or by what went wrong when there was no
 * error status (connect, timeout, ...), and the names the reports use. */
#include "bench_load.h"

#include <zarrd/client.h>

static const char *const outcome_names[ZB_OUT_STATUS_FIRST] = {
    "ok", "connect", "timeout", "io", "bad_data", "http", "other",
};

/* "400" .. "599", as constants. */
#define TEN(p) p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"
#define HUNDRED(p)                                                                                 \
    TEN(p "0"), TEN(p "1"), TEN(p "2"), TEN(p "3"), TEN(p "4"), TEN(p "5"), TEN(p "6"),            \
        TEN(p "7"), TEN(p "8"), TEN(p "9")
static const char *const status_names[ZB_OUT_COUNT - ZB_OUT_STATUS_FIRST] = {HUNDRED("4"),
                                                                             HUNDRED("5")};

const char *zb_load_outcome_name(int outcome)
{
    if (outcome >= 0 && outcome < ZB_OUT_STATUS_FIRST) return outcome_names[outcome];
    if (outcome >= ZB_OUT_STATUS_FIRST && outcome < ZB_OUT_COUNT)
        return status_names[outcome - ZB_OUT_STATUS_FIRST];
    return "?";
}

int zb_load_outcome_of(int rc, int status)
{
    if (rc == ZC_OK) return ZB_OUT_OK;
    if (status >= 400 && status <= 599) return ZB_OUT_HTTP(status);
    if (status != 0 && (status < 200 || status > 299)) return ZB_OUT_HTTP_OTHER;
    switch (rc) {
    case ZC_ECONNECT:
        return ZB_OUT_CONNECT;
    case ZC_ETIMEDOUT:
        return ZB_OUT_TIMEOUT;
    case ZC_EIO:
        return ZB_OUT_IO;
    case ZC_ECORRUPT:
        return ZB_OUT_BAD_DATA;
    default:
        return ZB_OUT_OTHER;
    }
}
