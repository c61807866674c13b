/* zc_errmsg.h: the calling thread's last error message behind zc_errmsg() and last HTTP status
 * behind zc_last_status(). Internal code reports through zd_error records; public entry points
 * hand the record over with zc_report() just before returning. The request code notes every
 * response's status (0 for an attempt that got none) with zc_status_note(). */
#ifndef ZC_ERRMSG_H
#define ZC_ERRMSG_H

#include "zd_error.h"

/* Record `rc` for zc_errmsg(): the message in `err` if it has one, else zc_strerror(rc).
 * Clears the message when rc == 0. Returns rc. */
int zc_report(int rc, const zd_error *err);

/* Set this thread's zc_last_status(). */
void zc_status_note(int status);

#endif
