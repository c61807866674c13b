/* zc_errmsg.h: the calling thread's last error message behind zc_errmsg(). Internal code
 * reports through zd_error records; public entry points hand the record over with
 * zc_report() just before returning. */
#ifndef ZC_ERRMSG_H
#define ZC_ERRMSG_H

#include "zd_error.h"

/* Record `rc` for zc_errmsg(): the message in `err` if it has one, else zc_strerror(rc).
 * Clears the message when rc == 0. Returns rc. */
int zc_report(int rc, const zd_error *err);

#endif
