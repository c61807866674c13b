/* zd_error.h: error codes shared by the server, the client and common/, plus an optional
 * error record that carries a human-readable message naming what was wrong.
 *
 * Convention (as libuv): every fallible function returns 0 on success or a negative ZD_E*
 * code. Functions that can say more take a `zd_error *` (may be NULL) and fill it with
 * zd_error_set(), which returns the code so callers can `return zd_error_set(...)`. */
#ifndef ZD_ERROR_H
#define ZD_ERROR_H

#include <stddef.h>

enum {
    ZD_OK = 0,
    ZD_ENOMEM = -1,       /* allocation failed */
    ZD_EINVAL = -2,       /* malformed or invalid input */
    ZD_ERANGE = -3,       /* value out of range, range not satisfiable */
    ZD_ECORRUPT = -4,     /* encoded data fails validation (checksum, bounds, framing) */
    ZD_EUNSUPPORTED = -5, /* valid but not supported (unknown codec, data type...) */
    ZD_EOVERFLOW = -6,    /* a size computation would overflow or exceeds a limit */
    ZD_EIO = -7,          /* I/O failure */
    ZD_ENOTFOUND = -8,    /* no such key / object */
    ZD_ECONFLICT = -9,    /* request contradicts stored state */
    ZD_ENOSPC = -10,      /* no space left on the device, or the quota is exhausted */
    ZD_EPRECOND = -11,    /* a precondition (If-Match, If-None-Match...) does not hold */
    ZD_EBADKEY = -12,     /* the key names no possible value: it crosses a symbolic link, a
                             special file or another file system */
    ZD_EISDIR = -13,      /* a directory is where a value should be, or a value where a
                             directory should be */
    ZD_ELINKED = -14,     /* the file has other hard links: it is not changed in place */
    ZD_EEXIST = -15,      /* something is already where a new collection should be made */
    ZD_ENOTEMPTY = -16,   /* a collection to remove still has members */
    ZD_EBUSY = -17,       /* a server-wide resource (a memory budget) is used up for now: retry */
    ZD_EWOULDBLOCK = -18, /* the operation would block (nothing done): redo it where blocking
                             is allowed (an I/O thread); never answered to a client */
};

#define ZD_ERRMSG_MAX 256

typedef struct zd_error {
    int code;
    char msg[ZD_ERRMSG_MAX];
} zd_error;

/* Short fixed description of a code, e.g. "invalid input". */
const char *zd_strerror(int code);

/* Record `code` and a printf-style message in `err` (if not NULL); returns `code`. */
int zd_error_set(zd_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clear an error record. */
void zd_error_clear(zd_error *err);

#endif
