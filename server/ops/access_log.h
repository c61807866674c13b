/* access_log.h: the optional access log (--access-log FILE, "-" for stdout): one line per
 * finished request, written with a single write(2) to a file opened O_APPEND, so lines from
 * different worker threads never interleave. Headers are never logged (tokens stay out).
 *
 * Line format (Common Log Format plus three fields):
 *   PEER - - [26/Nov/2026:01:28:00 +0000] "METHOD TARGET HTTP/1.1" STATUS SENT RECEIVED USEC
 * SENT and RECEIVED are bytes on the wire (headers and bodies), USEC the time from the first
 * byte of the request to the last byte of the response handed to the kernel. Bytes of the
 * target outside printable ASCII, '"' and '\' are written as \xHH; a request whose request
 * line did not parse is logged as "-". */
#ifndef ZS_ACCESS_LOG_H
#define ZS_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Open the log (path "-" = stdout). 0 or ZD_EIO (errno says why). */
int al_open(const char *path);

/* Reopen the file at the same path (after log rotation moved it; zarrd calls this on
 * SIGHUP). The descriptor number stays the same (dup2), so concurrent writers are safe. 0 or
 * ZD_EIO (errno says why). */
int al_reopen(void);
void al_close(void);
bool al_enabled(void);

typedef struct al_entry {
    const char *peer;   /* client address, "-" if unknown */
    const char *method; /* NULL if the request line never parsed */
    const char *target;
    size_t target_len;
    int http_minor;
    int status;
    uint64_t sent, received, usec;
} al_entry;

void al_write(const al_entry *e);

#endif
