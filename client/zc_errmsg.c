/* zc_errmsg.c: per-thread last error message and HTTP status, and code descriptions
 * (zc_errmsg, zc_last_status, zc_strerror). Thread-local, like errno: one client may be shared
 * by many threads, so a message stored in the client would be overwritten by another thread's
 * call. */
#include "zc_errmsg.h"

#include "zarrd/client.h"

#include <stdio.h>

#define SAME_CODE(name)                                                                            \
    _Static_assert((int)ZC_##name == (int)ZD_##name, "ZC_" #name " must equal ZD_" #name)
SAME_CODE(ENOMEM);
SAME_CODE(EINVAL);
SAME_CODE(ERANGE);
SAME_CODE(ECORRUPT);
SAME_CODE(EUNSUPPORTED);
SAME_CODE(EOVERFLOW);
SAME_CODE(EIO);
SAME_CODE(ENOTFOUND);
SAME_CODE(ECONFLICT);

static _Thread_local char last_msg[ZD_ERRMSG_MAX];
static _Thread_local int last_status;

const char *zc_strerror(int code)
{
    switch (code) {
    case ZC_ECONNECT:
        return "cannot connect";
    case ZC_ETIMEDOUT:
        return "timed out";
    case ZC_EDENIED:
        return "access denied";
    case ZC_ESERVER:
        return "server error";
    case ZC_EHTTP:
        return "unexpected HTTP status";
    default:
        return zd_strerror(code);
    }
}

const char *zc_errmsg(void)
{
    return last_msg;
}

int zc_report(int rc, const zd_error *err)
{
    if (rc == 0)
        last_msg[0] = '\0';
    else if (err && err->code == rc && err->msg[0])
        snprintf(last_msg, sizeof last_msg, "%s", err->msg);
    else
        snprintf(last_msg, sizeof last_msg, "%s", zc_strerror(rc));
    return rc;
}

int zc_last_status(void)
{
    return last_status;
}

void zc_status_note(int status)
{
    last_status = status;
}
