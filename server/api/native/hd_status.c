/* hd_status.c: ZD_E* codes to HTTP statuses (see hd_status.h). */
#include "hd_status.h"

#include "zd_error.h"

hd_status hd_status_of(int rc)
{
    switch (rc) {
    case ZD_EINVAL:
        return (hd_status){400, "bad request"};
    case ZD_EBADKEY:
        return (hd_status){400, "bad key"};
    case ZD_ENOTFOUND:
        return (hd_status){404, "not found"};
    case ZD_EISDIR:
    case ZD_ELINKED:
    case ZD_ECONFLICT:
    case ZD_EEXIST:
    case ZD_ENOTEMPTY:
        return (hd_status){409, "conflict"};
    case ZD_EPRECOND:
        return (hd_status){412, "precondition failed"};
    case ZD_EOVERFLOW:
        return (hd_status){413, "payload too large"};
    case ZD_ERANGE:
        return (hd_status){416, "range not satisfiable"};
    case ZD_ENOMEM:
        return (hd_status){503, "out of memory"};
    case ZD_EBUSY:
        return (hd_status){503, "service unavailable"};
    case ZD_ENOSPC:
        return (hd_status){507, "insufficient storage"};
    default: /* ZD_EIO, ZD_ECORRUPT, and codes that should never reach a client */
        return (hd_status){500, "storage error"};
    }
}
