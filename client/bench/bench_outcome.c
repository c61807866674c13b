/* bench_outcome.c: the load generator's outcome classes: how a client error code maps to the
 * HTTP status (or transport failure) it stands for, and the names the reports use. */
#include "bench_load.h"

#include <zarrd/client.h>

static const char *const outcome_names[ZB_OUT_COUNT] = {
    "ok",  "400",  "404",     "409/412", "413", "415",      "416",   "401/403",
    "5xx", "http", "connect", "timeout", "io",  "bad_data", "other",
};

const char *zb_load_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < ZB_OUT_COUNT ? outcome_names[outcome] : "?";
}

int zb_load_outcome_of(int rc)
{
    switch (rc) {
    case ZC_OK:
        return ZB_OUT_OK;
    case ZC_EINVAL:
        return ZB_OUT_400;
    case ZC_ENOTFOUND:
        return ZB_OUT_404;
    case ZC_ECONFLICT:
        return ZB_OUT_409;
    case ZC_EOVERFLOW:
        return ZB_OUT_413;
    case ZC_EUNSUPPORTED:
        return ZB_OUT_415;
    case ZC_ERANGE:
        return ZB_OUT_416;
    case ZC_EDENIED:
        return ZB_OUT_DENIED;
    case ZC_ESERVER:
        return ZB_OUT_5XX;
    case ZC_EHTTP:
        return ZB_OUT_HTTP_OTHER;
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
