/* zd_error.c: error code descriptions and the error record helpers (see zd_error.h). */
#include "zd_error.h"

#include <stdarg.h>
#include <stdio.h>

const char *zd_strerror(int code)
{
    switch (code) {
    case ZD_OK:
        return "ok";
    case ZD_ENOMEM:
        return "out of memory";
    case ZD_EINVAL:
        return "invalid input";
    case ZD_ERANGE:
        return "out of range";
    case ZD_ECORRUPT:
        return "corrupt data";
    case ZD_EUNSUPPORTED:
        return "not supported";
    case ZD_EOVERFLOW:
        return "size overflow";
    case ZD_EIO:
        return "I/O error";
    case ZD_ENOTFOUND:
        return "not found";
    case ZD_ECONFLICT:
        return "conflict";
    case ZD_ENOSPC:
        return "no space left";
    case ZD_EPRECOND:
        return "precondition failed";
    case ZD_EBADKEY:
        return "not a key";
    case ZD_EISDIR:
        return "directory in the way";
    case ZD_ELINKED:
        return "hard-linked file";
    case ZD_EWOULDBLOCK:
        return "would block";
    case ZD_EEXIST:
        return "already exists";
    case ZD_ENOTEMPTY:
        return "not empty";
    case ZD_EBUSY:
        return "busy, retry later";
    default:
        return "unknown error";
    }
}

int zd_error_set(zd_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void zd_error_clear(zd_error *err)
{
    if (err) {
        err->code = ZD_OK;
        err->msg[0] = '\0';
    }
}
